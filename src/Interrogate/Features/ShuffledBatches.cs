using Interrogate.Tensors;

namespace Interrogate.Features;

/// <summary>
/// Training batches streamed from disk in a shuffled order that is a pure function of the step, so a
/// resumed run sees exactly the batches it would have seen. Rows are taken in blocks (e.g. one
/// sequence window each); every epoch visits the blocks in its own seeded order; a buffer of
/// <c>bufferRows</c> rows (whole blocks) is loaded at a time and its rows shuffled, and consecutive
/// batches are cut from it. Inputs and targets (the same source for an autoencoder) are scaled by
/// fixed factors, so the dictionary trains on activations of mean norm √width.
/// </summary>
public sealed class ShuffledBatches
{
    private readonly IActivationRows inputs, targets;
    private readonly int batch, blockRows, blocksPerBuffer;
    private readonly long blocks;
    private readonly ulong seed;
    private float[] xBuffer = [], yBuffer = [];
    private int[] rowOrder = [];
    private long loaded = -1, epochOfOrder = -1;
    private long[] blockOrder = [];

    /// <param name="inputs">Encoder inputs.</param>
    /// <param name="targets">Decoder targets, row-aligned with inputs (the same object for an autoencoder).</param>
    /// <param name="batch">Rows per batch.</param>
    /// <param name="blockRows">Rows kept together when shuffling blocks.</param>
    /// <param name="bufferRows">Rows loaded and shuffled at once (at least one batch).</param>
    /// <param name="seed">Orders every epoch and buffer.</param>
    public ShuffledBatches(IActivationRows inputs, IActivationRows targets, int batch, int blockRows, int bufferRows, ulong seed)
    {
        if (targets.Count != inputs.Count) throw new ArgumentException("inputs and targets must have the same rows");
        (this.inputs, this.targets, this.batch, this.blockRows, this.seed) = (inputs, targets, batch, blockRows, seed);
        blocks = inputs.Count / blockRows;
        if (blocks * blockRows < batch) throw new InputException($"{inputs.Count} rows of activations are fewer than one batch of {batch}; collect more tokens or lower --batch");
        blocksPerBuffer = (int)Math.Min(blocks, Math.Max((batch + blockRows - 1) / blockRows, bufferRows / blockRows));
        BatchesPerBuffer = blocksPerBuffer * blockRows / batch;
    }

    public int BatchesPerBuffer { get; }
    /// <summary>Multiplies every input row (1: unscaled).</summary>
    public float InputScale { get; set; } = 1f;
    /// <summary>Multiplies every target row.</summary>
    public float TargetScale { get; set; } = 1f;

    /// <summary>The batch of a step: x [batch, inputs.Width], y [batch, targets.Width].</summary>
    public void Fill(long step, Span<float> x, Span<float> y)
    {
        long buffer = step / BatchesPerBuffer;
        if (buffer != loaded) Load(buffer);
        int first = (int)(step % BatchesPerBuffer) * batch;
        int dIn = inputs.Width, dOut = targets.Width;
        for (int i = 0; i < batch; i++)
        {
            int r = rowOrder[first + i];
            for (int c = 0; c < dIn; c++) x[i * dIn + c] = xBuffer[r * dIn + c] * InputScale;
            if (!ReferenceEquals(inputs, targets))
                for (int c = 0; c < dOut; c++) y[i * dOut + c] = yBuffer[r * dOut + c] * TargetScale;
        }
        if (ReferenceEquals(inputs, targets)) x.CopyTo(y);
    }

    private void Load(long buffer)
    {
        int rows = blocksPerBuffer * blockRows;
        if (xBuffer.Length != rows * inputs.Width) xBuffer = new float[rows * inputs.Width];
        if (!ReferenceEquals(inputs, targets) && yBuffer.Length != rows * targets.Width) yBuffer = new float[rows * targets.Width];
        for (int b = 0; b < blocksPerBuffer; b++)
        {
            long t = buffer * blocksPerBuffer + b, epoch = t / blocks;
            if (epoch != epochOfOrder) OrderEpoch(epoch);
            long block = blockOrder[t % blocks];
            inputs.Read(block * blockRows, blockRows, xBuffer.AsSpan(b * blockRows * inputs.Width, blockRows * inputs.Width));
            if (!ReferenceEquals(inputs, targets))
                targets.Read(block * blockRows, blockRows, yBuffer.AsSpan(b * blockRows * targets.Width, blockRows * targets.Width));
        }
        rowOrder = [.. Enumerable.Range(0, rows)];
        new TensorRandom(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(buffer + 1))).Shuffle(rowOrder.AsSpan());
        loaded = buffer;
    }

    private void OrderEpoch(long epoch)
    {
        blockOrder = [.. Enumerable.Range(0, (int)blocks).Select(b => (long)b)];
        new TensorRandom(seed + (ulong)epoch * 7919UL).Shuffle(blockOrder.AsSpan());
        epochOfOrder = epoch;
    }

    /// <summary>√width / mean row norm over up to <paramref name="sampleRows"/> evenly spaced rows: the factor that gives mean norm √width.</summary>
    public static float NormScale(IActivationRows rows, int sampleRows = 16384)
    {
        int n = (int)Math.Min(rows.Count, sampleRows);
        var row = new float[rows.Width];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            rows.Read(rows.Count * i / n, 1, row);
            sum += System.Numerics.Tensors.TensorPrimitives.Norm(row);
        }
        return sum > 0 ? (float)(Math.Sqrt(rows.Width) / (sum / n)) : 1f;
    }
}
