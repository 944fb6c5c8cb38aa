using System.CommandLine;
using Interrogate.Kernels;

namespace Interrogate.Cli;

/// <summary>Options every command accepts: how many threads, which matrix-multiply backend, whether non-finite weights load.</summary>
internal static class GlobalOptions
{
    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "Threads for the numerical kernels (default: all cores, or INTERROGATE_THREADS)",
        Recursive = true,
    };

    public static readonly Option<string?> Blas = new("--blas")
    {
        Description = "Matrix-multiply backend: managed (default) or openblas (needs libopenblas0)",
        Recursive = true,
    };

    public static readonly Option<bool> AllowNonFinite = new("--allow-nonfinite")
    {
        Description = "Load weights that hold NaN or Inf instead of refusing them (results are then checked for non-finite values)",
        Recursive = true,
    };

    public static void Apply(ParseResult parsed)
    {
        Interrogate.Formats.SafetensorsFile.AllowNonFinite = parsed.GetValue(AllowNonFinite);
        if (parsed.GetValue(Threads) is int threads)
        {
            if (threads < 1) throw new InputException($"--threads: must be at least 1, got {threads}");
            Parallelism.Threads = threads;
        }
        if (parsed.GetValue(Blas) is string blas) GemmBackendSwitch.Select(blas);
    }
}
