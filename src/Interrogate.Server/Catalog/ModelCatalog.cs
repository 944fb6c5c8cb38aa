using Interrogate.Models.Transformer;
using Interrogate.Text;

namespace Interrogate.Server.Catalog;

/// <summary>
/// The language models the viewer traces: "main" (--model) and every model folder found among the
/// results ("r0", "r1", …: a pruned model, say). Each is loaded on first use and then kept; a forward
/// pass caches hook activations in thread state, so one request at a time uses a model.
/// </summary>
public sealed class ModelCatalog
{
    /// <summary>One model folder, loaded lazily; <see cref="Error"/> when it cannot be.</summary>
    public sealed class Entry(string id, string name, string directory)
    {
        private CausalLanguageModel? model;
        private ITokenizer? tokenizer;

        public string Id { get; } = id;
        public string Name { get; } = name;
        public string Directory { get; } = directory;
        public string? Error { get; private set; }
        public object Gate { get; } = new();

        /// <summary>The model and its tokenizer; InputException naming the folder when they cannot be loaded.</summary>
        public (CausalLanguageModel Model, ITokenizer Tokenizer) Load()
        {
            lock (Gate)
            {
                if (Error is not null) throw new InputException(Error);
                try
                {
                    tokenizer ??= TokenizerLoader.FromDirectory(Directory);
                    model ??= TransformerLoader.FromDirectory(Directory);
                }
                catch (Exception e)   // a broken model folder is an error on its own pages only
                {
                    Error = e.Message.Contains(Directory, StringComparison.Ordinal) ? e.Message : $"{Directory}: {e.Message}";
                    throw new InputException(Error, e);
                }
                return (model, tokenizer);
            }
        }
    }

    public IReadOnlyList<Entry> Entries { get; }

    public ModelCatalog(string? main, IEnumerable<ModelEntry> found)
    {
        var list = new List<Entry>();
        if (main is not null) list.Add(new Entry("main", Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(main))), Path.GetFullPath(main)));
        int i = 0;
        foreach (var m in found)
        {
            if (main is not null && Path.GetFullPath(m.Directory) == Path.GetFullPath(main)) continue;
            list.Add(new Entry($"r{i++}", m.File.Id, m.Directory));
        }
        Entries = list;
    }

    public Entry? Find(string? id) => Entries.FirstOrDefault(e => e.Id == (id ?? "main"));
}
