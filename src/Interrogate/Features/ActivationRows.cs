using Interrogate.Formats;
using Interrogate.Store;

namespace Interrogate.Features;

/// <summary>A matrix of activations [Count, Width] read in row ranges: a store's hook, a .npy file, an array, or a split of one.</summary>
public interface IActivationRows
{
    long Count { get; }
    int Width { get; }
    /// <summary>Rows [start, start + count) into destination [count, Width].</summary>
    void Read(long start, int count, Span<float> destination);
}

/// <summary>Sources of activation rows.</summary>
public static class ActivationRows
{
    /// <summary>An in-memory matrix [rows, width].</summary>
    public static IActivationRows FromArray(float[] data, int width) => new ArrayRows(data, width);

    /// <summary>One hook of an activation store (streamed from its chunk files).</summary>
    public static IActivationRows FromStore(ActivationStore store, string hook) => new StoreRows(store, hook);

    /// <summary>A float32 [N, d] .npy file (streamed).</summary>
    public static IActivationRows FromNpy(NpyFile file) => new NpyRows(file);

    /// <summary>
    /// Splits rows into blocks of <paramref name="blockRows"/> and keeps every block whose index modulo
    /// <paramref name="every"/> is (heldOut: equal to / otherwise: different from) every − 1: a held-out
    /// split that is spread over the whole file, never the rows trained on. A partial last block is dropped.
    /// </summary>
    public static IActivationRows Split(IActivationRows rows, int blockRows, int every, bool heldOut) => new BlockSplit(rows, blockRows, every, heldOut);

    private sealed class ArrayRows(float[] data, int width) : IActivationRows
    {
        public long Count => data.Length / width;
        public int Width => width;
        public void Read(long start, int count, Span<float> destination) => data.AsSpan(checked((int)(start * width)), count * width).CopyTo(destination);
    }

    private sealed class StoreRows(ActivationStore store, string hook) : IActivationRows
    {
        public long Count => store.Tokens;
        public int Width { get; } = store.Width(hook);
        public void Read(long start, int count, Span<float> destination) => store.ReadRows(hook, start, count).CopyTo(destination);
    }

    private sealed class NpyRows(NpyFile file) : IActivationRows
    {
        public long Count => file.Rows;
        public int Width => file.Columns;
        public void Read(long start, int count, Span<float> destination) => file.ReadRows(start, count, destination);
    }

    private sealed class BlockSplit : IActivationRows
    {
        private readonly IActivationRows rows;
        private readonly int blockRows;
        private readonly long[] blocks;

        public BlockSplit(IActivationRows rows, int blockRows, int every, bool heldOut)
        {
            (this.rows, this.blockRows) = (rows, blockRows);
            long n = rows.Count / blockRows;
            var kept = new List<long>();
            for (long b = 0; b < n; b++) if ((b % every == every - 1) == heldOut) kept.Add(b);
            blocks = [.. kept];
        }

        public long Count => (long)blocks.Length * blockRows;
        public int Width => rows.Width;

        public void Read(long start, int count, Span<float> destination)
        {
            for (int done = 0; done < count;)
            {
                long r = start + done;
                int inBlock = (int)(r % blockRows), n = Math.Min(count - done, blockRows - inBlock);
                rows.Read(blocks[r / blockRows] * blockRows + inBlock, n, destination.Slice(done * Width, n * Width));
                done += n;
            }
        }
    }
}
