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

    /// <summary>The scored rows of [copies·wb, T, D] activations, copy by copy and window by window: [1, S, D].</summary>
    public Tensor Gather(Tensor activations, int copies)
    {
        var data = activations.ContiguousData().Span;
        int d = activations.Shape[2];
        int perCopy = scored.Sum(s => s.Length);
        var rows = new float[Math.Max(1, copies * perCopy) * d];
        int at = 0;
        for (int c = 0; c < copies; c++)
            for (int i = 0; i < Windows; i++)
                foreach (var p in scored[i])
                {
                    data.Slice(((c * Windows + i) * Length + p) * d, d).CopyTo(rows.AsSpan(at * d));
                    at++;
                }
        return new Tensor(rows, 1, Math.Max(1, at), d);
    }

    /// <summary>Losses [copies·wb][k] from the final residual rows <see cref="Gather"/> returns ([1, S, D]).</summary>
    public float[][] LossesOfRows(Tensor rows, int copies)
    {
        var result = new float[copies * Windows][];
        using var _ = GradientTape.NoGrad();
        var logits = model.LnFinal.Forward(rows).Linear(model.UnembedWeight).ContiguousData();   // [1, S, V]
        int v = logits.Shape[2];
        var span = logits.Span;
        int at = 0;
        for (int c = 0; c < copies; c++)
            for (int i = 0; i < Windows; i++)
            {
                var loss = new float[scored[i].Length];
                for (int k = 0; k < loss.Length; k++, at++)
                {
                    var row = span.Slice(at * v, v);
                    loss[k] = TokenLosses.LogSumExp(row) - row[targets[i][k]];
                }
                result[c * Windows + i] = loss;
            }
        return result;
    }
}
