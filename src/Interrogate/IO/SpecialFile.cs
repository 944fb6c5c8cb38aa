using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Interrogate.IO;

/// <summary>
/// Tells a named pipe (FIFO) or socket from a regular file without blocking: opening a FIFO for
/// reading waits for a writer, so an input named by mistake would hang the command. .NET reports
/// such entries as ordinary zero-length files, so this opens them non-blocking and asks whether
/// they can seek (pipes and sockets cannot).
/// </summary>
public static class SpecialFile
{
    private const int ReadOnlyNonBlocking = 0x800;   // O_RDONLY | O_NONBLOCK on Linux (x64 and arm64)

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int open(string path, int flags);

    /// <summary>True when <paramref name="path"/> is a pipe or socket (Linux only; false elsewhere and for anything that is not there).</summary>
    public static bool IsPipe(string path)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(path) || new FileInfo(path).Length != 0) return false;
        int fd;
        try { fd = open(path, ReadOnlyNonBlocking); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
        if (fd < 0) return false;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        using var stream = new FileStream(handle, FileAccess.Read, 1);
        return !stream.CanSeek;
    }

    /// <summary>An <see cref="InputException"/> naming the path when it is a pipe or socket rather than a file.</summary>
    public static void RefusePipe(string path, string what = "file")
    {
        if (IsPipe(path)) throw InputException.ForFile(path, $"is a named pipe or socket, not a regular {what}");
    }
}
