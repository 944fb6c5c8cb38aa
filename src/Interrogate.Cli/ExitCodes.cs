namespace Interrogate.Cli;

public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Bad input: a flag, file, dataset or configuration the user can fix.</summary>
    public const int BadInput = 2;
}
