using Interrogate.Sharding;
using Interrogate.Store;

namespace Interrogate.Cli.Commands;

/// <summary>
/// Merges the parts of `sae train --shard I/N --out PART` (each PART/store one shard of the training
/// activations) into MERGED/store, the store one `sae train` process collects (the activation-store
/// merge, bit for bit); `sae train --out MERGED` then finds its activations collected and trains.
/// </summary>
internal sealed class SaeCollectionShardMerger : IShardMerger
{
    private static readonly ActivationShardMerger Stores = new();

    public string Kind => "sae train collection";

    public ShardSpec? Probe(string directory) => Stores.Probe(SaeTraining.StoreDirectory(directory));

    public void Merge(IReadOnlyList<string> shards, string output)
    {
        if (File.Exists(output)) throw InputException.ForFile(output, "is a file; --out needs a new folder");
        Stores.Merge([.. shards.Select(SaeTraining.StoreDirectory)], SaeTraining.StoreDirectory(output));
    }
}
