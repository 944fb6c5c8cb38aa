using Interrogate.Tensors;

namespace Interrogate.Formats;

/// <summary>
/// Named tensors on disk: one safetensors file or a sharded set. Reads convert float types
/// to float32; every method is safe to call from several threads until disposal.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>Tensor names, in the order their bytes appear (per shard, shards in index order).</summary>
    IReadOnlyList<string> Names { get; }

    bool Contains(string name);

    /// <summary>Dtype, shape and offsets of a tensor; <see cref="InputException"/> when absent.</summary>
    SafetensorsTensorInfo GetInfo(string name);

    /// <summary>Reads a float tensor into a new float32 tensor of its shape.</summary>
    Tensor ReadTensor(string name);

    /// <summary>
    /// Converts a float tensor's elements, row-major, straight into <paramref name="destination"/>,
    /// which must hold exactly its element count: one copy from the mapped file, no temporary.
    /// </summary>
    void ReadInto(string name, Span<float> destination);

    /// <summary>
    /// A float16/bfloat16 tensor's bytes where they lie in the mapped file (checked for NaN/Inf as
    /// <see cref="ReadInto"/> would), for kernels that read it in place; null for any other dtype.
    /// The memory stays mapped while the result's <see cref="MappedHalf.Lifetime"/> is reachable,
    /// even after this source is disposed.
    /// </summary>
    MappedHalf? MapHalf(string name) => null;
}

/// <summary>A 16-bit float tensor in place: its encoding, its first element's address, and what keeps the mapping alive.</summary>
public sealed record MappedHalf(Kernels.HalfEncoding Encoding, nint Address, object Lifetime);

public static class TensorSourceExtensions
{
    /// <summary>
    /// Fills a contiguous tensor (e.g. a model parameter) whose shape must equal the stored one;
    /// a mismatch is an <see cref="InputException"/>, as it usually means config and weights disagree.
    /// </summary>
    public static void ReadInto(this ITensorSource source, string name, Tensor destination)
    {
        var info = source.GetInfo(name);
        if (!info.Shape.AsSpan().SequenceEqual(destination.Shape))
            throw new InputException($"tensor '{MessageText.Printable(name)}' has shape [{string.Join(", ", info.Shape)}] in the weights but [{string.Join(", ", destination.Shape)}] is expected; do config.json and the weights belong together?");
        source.ReadInto(name, destination.Span);
    }
}
