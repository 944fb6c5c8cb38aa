namespace Interrogate.Formats;

/// <summary>One header entry, validated: dtype, shape and where its bytes lie.</summary>
public sealed class SafetensorsTensorInfo
{
    public required string Name { get; init; }
    public required SafetensorsDType DType { get; init; }
    /// <summary>Dimensions, outermost first. Do not mutate.</summary>
    public required int[] Shape { get; init; }
    /// <summary>Product of <see cref="Shape"/> (1 for a scalar).</summary>
    public required long ElementCount { get; init; }
    /// <summary>Byte offset of the first element, relative to the start of the data area.</summary>
    public required long DataBegin { get; init; }
    /// <summary>Byte offset just past the last element, relative to the start of the data area.</summary>
    public required long DataEnd { get; init; }

    public long ByteLength => DataEnd - DataBegin;

    public override string ToString() => $"{Name} {DType.HeaderName()}[{string.Join(", ", Shape)}]";
}
