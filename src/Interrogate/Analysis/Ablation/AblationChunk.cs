using System.Buffers;
using Interrogate.Kernels;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Ablation;

/// <summary>
/// One chunk of evaluation windows after its clean pass: the residual stream entering every block
/// (and leaving the last), the clean activations of the studied hooks, and the scored positions with
/// their targets. Ablated passes start from these residuals; <see cref="Losses"/> reads logits only
/// at the scored positions.
/// </summary>
internal sealed class Chunk
{
    private readonly CausalLanguageModel model;
    private readonly Tensor[] residuals;   // [blocks + 1] of [wb, T, D]
    private readonly int[][] scored;      // [wb][k] positions
    private readonly int[][] targets;     // [wb][k] the token predicted at each scored position

    public Chunk(CausalLanguageModel model, int[][] ids, int[][] positions, int start, int windows, int length, IReadOnlyCollection<string> hooks)
    {
        this.model = model;
        Windows = windows;
        Length = length;
        int blocks = model.Blocks.Count;
        var flat = new int[windows * length];
        for (int i = 0; i < windows; i++) ids[start + i].CopyTo(flat, i * length);
        scored = [.. Enumerable.Range(start, windows).Select(w => positions[w])];
        targets = [.. Enumerable.Range(0, windows).Select(i => scored[i].Select(p => ids[start + i][p + 1]).ToArray())];
        Used = Math.Max(1, scored.Max(s => s.Length == 0 ? 0 : s[^1] + 1));
        var names = Enumerable.Range(0, blocks).Select(b => HookNames.ResidPre(b)).Append(HookNames.ResidPost(blocks - 1));
        using var scope = new HookScope().Cache([.. names.Concat(hooks).Distinct()]);
        // The clean logits are not used: clean losses go through Losses like the ablated ones, so both share one code path.
        using (GradientTape.NoGrad()) model.Forward(new TokenBatch(flat, windows, length));
        residuals = [.. names.Select(n => scope.Cached[n].Clone())];
        Activations = hooks.ToDictionary(h => h, h => scope.Cached[h].Clone());
    }

    public int Windows { get; }
    public int Length { get; }
    /// <summary>Clean [wb, T, width] activations of the studied hooks.</summary>
    public Dictionary<string, Tensor> Activations { get; }

    /// <summary>[wb, T, D] the residual stream entering block <paramref name="block"/> (= Blocks.Count: leaving the last).</summary>
    public Tensor Residual(int block) => residuals[block];

    /// <summary>
    /// Next-token losses at the scored positions from a final residual stream of <paramref name="copies"/>
    /// stacked copies of the chunk. final: [copies·wb, T, D]. Result: [copies·wb][k] nats.
    /// </summary>
    public float[][] Losses(Tensor final, int copies) => LossesOfRows(Gather(final, copies), copies);

    /// <summary>
    /// Positions a pass needs: up to the last scored one of any window of the chunk. Attention is causal, so
    /// the positions after it change no scored loss and the passes skip them.
    /// </summary>
    public int Used { get; }

    /// <summary>The scored rows of [copies·wb, T', D] activations (T' = <see cref="Length"/> or <see cref="Used"/>), copy by copy and window by window: [1, S, D].</summary>
    public Tensor Gather(Tensor activations, int copies)
    {
        var data = activations.ContiguousData().Span;
        int d = activations.Shape[2], length = activations.Shape[1];
        int perCopy = scored.Sum(s => s.Length);
        var rows = new float[Math.Max(1, copies * perCopy) * d];
        int at = 0;
        for (int c = 0; c < copies; c++)
            for (int i = 0; i < Windows; i++)
                foreach (var p in scored[i])
                {
                    data.Slice(((c * Windows + i) * length + p) * d, d).CopyTo(rows.AsSpan(at * d));
                    at++;
                }
        return new Tensor(rows, 1, Math.Max(1, at), d);
    }

    /// <summary>
    /// Losses [copies·wb][k] from the final residual rows <see cref="Gather"/> returns ([1, S, D]). The logits are
    /// made and reduced block by block on every thread (a [S, V] logits tensor would be hundreds of megabytes a pass).
    /// </summary>
    public float[][] LossesOfRows(Tensor rows, int copies)
    {
        Tensor normalized;
        using (GradientTape.NoGrad()) normalized = model.LnFinal.Forward(rows).ContiguousData();   // [1, S, D]
        var weight = model.UnembedWeight.ContiguousData();                                           // [V, D]
        int v = weight.Shape[0], d = weight.Shape[1];
        var flatTargets = new int[copies * scored.Sum(s => s.Length)];
        for (int c = 0, at = 0; c < copies; c++)
            for (int i = 0; i < Windows; i++)
                foreach (var t in targets[i]) flatTargets[at++] = t;
        var flat = new float[flatTargets.Length];
        // Blocks never span two copies, so a job's losses are computed alike whichever jobs share its pass
        // (a shard's passes hold other jobs than the whole run's; the merge relies on equal bits).
        int perCopy = flat.Length / Math.Max(1, copies), perCopyBlocks = (perCopy + LogitRows - 1) / LogitRows;
        float? cap = model.FinalSoftCap;
        Parallelism.For(copies * perCopyBlocks, b =>
        {
            int first = b / perCopyBlocks * perCopy + b % perCopyBlocks * LogitRows;
            int n = Math.Min(LogitRows, perCopy - b % perCopyBlocks * LogitRows);
            var buffer = ArrayPool<float>.Shared.Rent(n * v);
            try
            {
                var logits = buffer.AsSpan(0, n * v);                                                 // [n, V]
                Gemm.MultiplyOnThreads(1, false, true, n, v, d, 1f, normalized.Span.Slice(first * d, n * d), d, weight.Span, d, 0f, logits, v);
                if (cap is float k)
                    for (int i = 0; i < logits.Length; i++) logits[i] = k * MathF.Tanh(logits[i] / k);
                for (int r = 0; r < n; r++)
                {
                    var row = logits.Slice(r * v, v);
                    flat[first + r] = TokenLosses.LogSumExp(row) - row[flatTargets[first + r]];
                }
            }
            finally { ArrayPool<float>.Shared.Return(buffer); }
        });
        var result = new float[copies * Windows][];
        for (int c = 0, at = 0; c < copies; c++)
            for (int i = 0; i < Windows; i++)
            {
                result[c * Windows + i] = flat.AsSpan(at, scored[i].Length).ToArray();
                at += scored[i].Length;
            }
        return result;
    }

    /// <summary>Scored positions whose logits one thread makes at a time ([rows, V] floats: 2 MB at V = 4,096).</summary>
    private const int LogitRows = 128;
}
