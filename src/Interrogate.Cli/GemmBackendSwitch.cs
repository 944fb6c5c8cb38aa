namespace Interrogate.Cli;

/// <summary>Maps --blas to the kernel backend (filled in when the OpenBLAS binding lands).</summary>
internal static class GemmBackendSwitch
{
    public static void Select(string name)
    {
        if (name != "managed") throw new InputException($"--blas: unknown backend '{name}' (known: managed)");
    }
}
