namespace Interrogate.Cli;

/// <summary>Which exceptions are the user's to fix, and how they read in one line.</summary>
internal static class Errors
{
    public static bool IsUserError(Exception e) => e is InputException or FileNotFoundException or DirectoryNotFoundException
        or UnauthorizedAccessException;

    public static string OneLine(Exception e)
    {
        var message = e switch
        {
            FileNotFoundException f when f.FileName is not null => $"{f.FileName}: file not found",
            _ => e.Message,
        };
        return message.ReplaceLineEndings(" ").Trim();
    }
}
