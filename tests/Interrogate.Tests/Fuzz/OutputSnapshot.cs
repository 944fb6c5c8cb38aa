using System.Security.Cryptography;

namespace Interrogate.Tests.Fuzz;

/// <summary>What is at a path (nothing, a file's bytes, or a folder's files), to show a failed run changed nothing there.</summary>
public static class OutputSnapshot
{
    public static string Take(string? path)
    {
        if (path is null) return "";
        try
        {
            if (File.Exists(path)) return "file " + Hash(path);
            if (Directory.Exists(path))
                return "folder " + string.Join(";", Directory.GetFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                    .Select(p => $"{Path.GetRelativePath(path, p)}={Hash(p)}"));
            return "absent";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unreadable"; }
    }

    private static string Hash(string file)
    {
        // A FIFO or device is named, not read.
        var info = new FileInfo(file);
        if (info.Length == 0) return "empty";
        return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))[..16];
    }
}
