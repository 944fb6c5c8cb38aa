using Interrogate.Store;

namespace Interrogate.Server.Catalog;

/// <summary>
/// The activation stores given with --store, each opened once. A store that cannot be opened (or
/// whose statistics turn out malformed on first use) keeps its error, naming the file; the other
/// stores and every other page are unaffected. <see cref="ActivationStore"/> keeps per-chunk readers,
/// so each store is used by one request at a time.
/// </summary>
public sealed class StoreCatalog : IDisposable
{
    /// <summary>One --store folder: the open store or the reason it is not.</summary>
    public sealed class Entry(int id, string directory)
    {
        public int Id { get; } = id;
        public string Directory { get; } = directory;
        public ActivationStore? Store { get; set; }
        public string? Error { get; set; }
        public object Gate { get; } = new();
    }

    public IReadOnlyList<Entry> Entries { get; }

    public StoreCatalog(IReadOnlyList<string> directories)
    {
        Entries = [.. directories.Select((d, i) => new Entry(i, Path.GetFullPath(d)))];
        foreach (var e in Entries)
        {
            try
            {
                e.Store = ActivationStore.Open(e.Directory);
                foreach (var hook in e.Store.Hooks) e.Store.Statistics(hook.Name);   // reads the state file now: a broken one shows at start
            }
            catch (Exception ex)   // any failure to read a store is shown on its page, never fatal to the server
            {
                e.Error = ex.Message.ReplaceLineEndings(" ");
                if (!e.Error.Contains(e.Directory, StringComparison.Ordinal)) e.Error = $"{e.Directory}: {e.Error}";
                e.Store?.Dispose();
                e.Store = null;
            }
        }
    }

    /// <summary>The first readable store that recorded <paramref name="hook"/>, or the one asked for.</summary>
    public Entry? Find(string hook, int? id)
    {
        if (id is { } i) return i >= 0 && i < Entries.Count ? Entries[i] : null;
        return Entries.FirstOrDefault(e => e.Store?.Hooks.Any(h => h.Name == hook) == true);
    }

    public void Dispose()
    {
        foreach (var e in Entries) lock (e.Gate) e.Store?.Dispose();
    }
}
