using System.Runtime.InteropServices;

namespace Interrogate.Kernels;

/// <summary>
/// Optional binding to the system OpenBLAS (<c>libopenblas.so.0</c>, Debian's libopenblas0):
/// a peer to measure against and an opt-in backend. Loaded lazily with NativeLibrary.TryLoad,
/// so a machine without it simply reports <see cref="IsAvailable"/> = false.
/// </summary>
public static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly Lazy<Binding?> binding = new(Load);

    /// <summary>True when the library and its cblas_sgemm entry point could be loaded.</summary>
    public static bool IsAvailable => binding.Value is not null;

    /// <summary>The message users see when they ask for OpenBLAS and it is absent.</summary>
    internal const string MissingMessage =
        "--blas openblas / INTERROGATE_BLAS=openblas: libopenblas.so.0 not found; install it with `apt-get install libopenblas0`";

    /// <summary>
    /// OpenBLAS's own thread count (it keeps a pool separate from ours); set it before timing.
    /// </summary>
    public static void SetThreads(int threads)
    {
        var b = Require();
        if (b.SetThreads != null) b.SetThreads(threads);
        lastThreads = threads;
    }

    private static int lastThreads;

    /// <summary>Keeps OpenBLAS's thread count equal to ours (<see cref="Parallelism.Threads"/>) as the backend.</summary>
    internal static void MatchThreads(int threads)
    {
        if (threads != lastThreads) SetThreads(threads);
    }

    /// <summary>Row-major cblas_sgemm on pointers; the caller has validated the shapes.</summary>
    internal static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        Require().Sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans,
            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    private static Binding Require() => binding.Value ?? throw new InputException(MissingMessage);

    private static Binding? Load()
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas" })
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm)) continue;
            NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads);
            return new Binding(
                (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm,
                (delegate* unmanaged<int, void>)setThreads);
        }
        return null;
    }

    private sealed class Binding(
        delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm,
        delegate* unmanaged<int, void> setThreads)
    {
        public readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm = sgemm;
        public readonly delegate* unmanaged<int, void> SetThreads = setThreads;
    }
}
