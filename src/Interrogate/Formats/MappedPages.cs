using System.Runtime.InteropServices;

namespace Interrogate.Formats;

/// <summary>
/// Lets go of pages of a read-only file mapping once they have been copied out. A mapped page that
/// was read counts in the process's resident memory until it is unmapped; without this, loading a
/// 500 MB model would hold the file's pages and the model's floats at once (twice the file).
/// MADV_DONTNEED on a shared, read-only file mapping only drops our mapping of the pages: the data
/// stays in the page cache and is faulted back in if read again.
/// </summary>
internal static unsafe partial class MappedPages
{
    private const int MadvDontNeed = 4;
    private static readonly long PageSize = Environment.SystemPageSize;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Releases the whole pages covering [start, start + length); best effort, Linux only.</summary>
    public static void Release(byte* start, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        long first = (long)start & ~(PageSize - 1);
        long end = ((long)start + length + PageSize - 1) & ~(PageSize - 1);
        try { _ = Madvise((nint)first, (nuint)(end - first), MadvDontNeed); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
