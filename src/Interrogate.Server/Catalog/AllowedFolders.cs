namespace Interrogate.Server.Catalog;

/// <summary>
/// The only folders the viewer may read: the model, the stores and the results given on the command
/// line. A relative name from a request is resolved inside one of them and refused when the resolved
/// path (after "..", absolute paths and symbolic links) leaves it.
/// </summary>
public sealed class AllowedFolders
{
    private readonly List<string> roots;

    /// <param name="folders">Folders as given by the user; each is made absolute once.</param>
    public AllowedFolders(IEnumerable<string> folders) =>
        roots = [.. folders.Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f)))];

    public IReadOnlyList<string> Roots => roots;

    /// <summary>True when <paramref name="path"/> (absolute) lies inside an allowed folder, links followed.</summary>
    public bool Contains(string path)
    {
        var full = Resolve(Path.GetFullPath(path));
        return roots.Any(r => IsInside(full, Resolve(r)));
    }

    /// <summary>
    /// The absolute path of <paramref name="relative"/> inside root number <paramref name="root"/>, or
    /// null when it escapes the root or names nothing there.
    /// </summary>
    public string? Find(int root, string relative)
    {
        if (root < 0 || root >= roots.Count || string.IsNullOrEmpty(relative) || relative.Contains('\0')) return null;
        if (Path.IsPathRooted(relative)) return null;
        var candidate = Path.GetFullPath(Path.Combine(roots[root], relative));
        if (!IsInside(candidate, roots[root])) return null;
        if (!File.Exists(candidate)) return null;
        return IsInside(Resolve(candidate), Resolve(roots[root])) ? candidate : null;
    }

    private static bool IsInside(string path, string root) =>
        path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == Path.DirectorySeparatorChar;

    /// <summary>The path with every symbolic link along it followed (a link out of a root must not open a door).</summary>
    private static string Resolve(string path)
    {
        var parts = new List<string>();
        var current = path;
        for (int hops = 0; hops < 64; hops++)
        {
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                current = Path.TrimEndingDirectorySeparator(target.FullName);
                continue;
            }
            var parent = Path.GetDirectoryName(current);
            if (parent is null) break;
            parts.Add(Path.GetFileName(current));
            current = parent;
        }
        parts.Reverse();
        return Path.Combine([current, .. parts]);
    }
}
