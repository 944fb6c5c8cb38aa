using System.Text.Json;
using Interrogate.Tensors;

namespace Interrogate.Formats;

/// <summary>
/// Weights split over several safetensors files, as named by a "model.safetensors.index.json"
/// whose "weight_map" maps each tensor name to a shard file beside the index. All shards are
/// opened (and validated) up front; every tensor the map names must be in its shard. Tensors
/// present in a shard but absent from the map are not exposed.
/// </summary>
public sealed class ShardedSafetensors : ITensorSource
{
    private readonly Dictionary<string, SafetensorsFile> _shardOf;
    private readonly List<SafetensorsFile> _shards;

    public string IndexPath { get; }
    /// <summary>Shards in file-name order.</summary>
    public IReadOnlyList<SafetensorsFile> Shards => _shards;
    public IReadOnlyList<string> Names { get; }

    private ShardedSafetensors(string indexPath, List<SafetensorsFile> shards, Dictionary<string, SafetensorsFile> shardOf)
    {
        IndexPath = indexPath;
        _shards = shards;
        _shardOf = shardOf;
        Names = shards.SelectMany(s => s.Names.Where(shardOf.ContainsKey)).ToArray();
    }

    public static ShardedSafetensors Open(string indexPath)
    {
        var index = JsonFile.LoadObject(indexPath);
        if (index["weight_map"] is not System.Text.Json.Nodes.JsonObject map)
            throw InputException.ForFile(indexPath, $"'weight_map' must be an object of tensor name → shard file, got {JsonFile.Show(index["weight_map"])}");

        var fileOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            if (value?.GetValueKind() != JsonValueKind.String)
                throw InputException.ForFile(indexPath, $"weight_map entry '{MessageText.Printable(name)}' must be a file name, got {JsonFile.Show(value)}");
            var file = value.GetValue<string>();
            // Shards live beside the index; a path could reach outside the model folder.
            if (file.Length == 0 || file != System.IO.Path.GetFileName(file) || file is "." or "..")
                throw InputException.ForFile(indexPath, $"weight_map entry '{MessageText.Printable(name)}' names '{MessageText.Printable(file)}', which is not a plain file name");
            fileOf[name] = file;
        }

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        var shards = new List<SafetensorsFile>();
        try
        {
            var byFile = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var file in fileOf.Values.Distinct().Order(StringComparer.Ordinal))
            {
                var shard = SafetensorsFile.Open(System.IO.Path.Combine(directory, file));
                shards.Add(shard);
                byFile[file] = shard;
            }
            var shardOf = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (name, file) in fileOf)
            {
                var shard = byFile[file];
                if (!shard.Contains(name))
                    throw InputException.ForFile(indexPath, $"weight_map puts '{MessageText.Printable(name)}' in {file}, which has no such tensor");
                shardOf[name] = shard;
            }
            return new ShardedSafetensors(indexPath, shards, shardOf);
        }
        catch
        {
            foreach (var shard in shards) shard.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _shardOf.ContainsKey(name);

    public SafetensorsTensorInfo GetInfo(string name) => Shard(name).GetInfo(name);

    public Tensor ReadTensor(string name) => Shard(name).ReadTensor(name);

    public void ReadInto(string name, Span<float> destination) => Shard(name).ReadInto(name, destination);

    public MappedHalf? MapHalf(string name) => Shard(name).MapHalf(name);

    private SafetensorsFile Shard(string name) => _shardOf.TryGetValue(name, out var shard) ? shard
        : throw InputException.ForFile(IndexPath, $"no tensor named '{MessageText.Printable(name)}' in weight_map ({_shardOf.Count} tensors)");

    public void Dispose()
    {
        foreach (var shard in _shards) shard.Dispose();
    }
}
