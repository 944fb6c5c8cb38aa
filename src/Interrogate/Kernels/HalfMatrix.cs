using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Interrogate.Kernels;

/// <summary>The 16-bit float encodings a weight matrix can stay in (as stored in its file).</summary>
public enum HalfEncoding : byte
{
    /// <summary>bfloat16: the top 16 bits of a float32.</summary>
    BFloat16,
    /// <summary>IEEE 754 binary16.</summary>
    Float16,
}

/// <summary>
/// A read-only [Rows, Cols] matrix of 16-bit floats that lives outside the managed heap (a
/// memory-mapped weights file), possibly in several row blocks (a fused projection whose parts are
/// separate tensors in the file). Kernels convert rows to float32 as they read them, so the matrix
/// is never copied whole: a bfloat16 model takes the memory of its file, not twice it.
/// The memory must stay valid while the matrix is reachable (<see cref="Lifetime"/> keeps it so).
/// </summary>
public sealed unsafe class HalfMatrix
{
    private readonly int[] firstRows;
    private readonly nint[] addresses;

    /// <param name="encoding">How each element is encoded.</param>
    /// <param name="rows">Rows of the whole matrix.</param>
    /// <param name="cols">Elements per row (contiguous).</param>
    /// <param name="blocks">(first row, address of that row) for each block, in row order, the first at row 0; a block runs to the next one's first row.</param>
    /// <param name="lifetime">Whatever keeps the memory mapped (held, never used).</param>
    public HalfMatrix(HalfEncoding encoding, int rows, int cols, IReadOnlyList<(int FirstRow, nint Address)> blocks, object? lifetime)
    {
        if (blocks.Count == 0 || blocks[0].FirstRow != 0) throw new ArgumentException("the first block must start at row 0", nameof(blocks));
        for (int i = 1; i < blocks.Count; i++)
            if (blocks[i].FirstRow <= blocks[i - 1].FirstRow || blocks[i].FirstRow >= rows) throw new ArgumentException("blocks must start at increasing rows inside the matrix", nameof(blocks));
        Encoding = encoding;
        Rows = rows;
        Cols = cols;
        firstRows = [.. blocks.Select(b => b.FirstRow)];
        addresses = [.. blocks.Select(b => b.Address)];
        Lifetime = lifetime;
    }

    public HalfEncoding Encoding { get; }
    public int Rows { get; }
    public int Cols { get; }
    public object? Lifetime { get; }

    /// <summary>Where row <paramref name="row"/>'s Cols elements start.</summary>
    public ushort* Row(int row)
    {
        int b = firstRows.Length - 1;
        while (firstRows[b] > row) b--;
        return (ushort*)addresses[b] + (nint)(row - firstRows[b]) * Cols;
    }

    /// <summary>Converts elements [start, start + destination.Length) of a row to float32.</summary>
    public void RowToSingle(int row, int start, Span<float> destination) =>
        HalfConversion.ToSingle(Encoding, new ReadOnlySpan<ushort>(Row(row) + start, destination.Length), destination);

    /// <summary>The whole matrix as float32, row-major [Rows, Cols].</summary>
    public float[] ToSingle()
    {
        var result = GC.AllocateUninitializedArray<float>(checked(Rows * Cols));
        for (int r = 0; r < Rows; r++) RowToSingle(r, 0, result.AsSpan(r * Cols, Cols));
        return result;
    }
}

/// <summary>bfloat16 / float16 → float32, exact (every 16-bit value is a float32).</summary>
public static class HalfConversion
{
    public static void ToSingle(HalfEncoding encoding, ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (encoding == HalfEncoding.Float16) TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(source), destination);
        else BFloat16ToSingle(source, destination);
    }

    /// <summary>bfloat16 is the top half of a float32, so decoding is a 16-bit shift.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var output = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector.Widen(new Vector<ushort>(source[i..]), out Vector<uint> low, out Vector<uint> high);
                (low << 16).CopyTo(output[i..]);
                (high << 16).CopyTo(output[(i + Vector<uint>.Count)..]);
            }
        }
        for (; i < source.Length; i++) output[i] = (uint)source[i] << 16;
    }
}
