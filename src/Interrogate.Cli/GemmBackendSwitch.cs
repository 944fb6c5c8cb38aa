using Interrogate.Kernels;

namespace Interrogate.Cli;

/// <summary>Maps --blas to the matrix-multiply backend.</summary>
internal static class GemmBackendSwitch
{
    public static void Select(string name)
    {
        Gemm.Backend = name switch
        {
            "managed" => GemmBackend.Managed,
            "openblas" => GemmBackend.OpenBlas,
            _ => throw new InputException($"--blas: unknown backend '{name}' (known: managed, openblas)"),
        };
        if (Gemm.Backend == GemmBackend.OpenBlas) OpenBlas.SetThreads(Parallelism.Threads);
    }
}
