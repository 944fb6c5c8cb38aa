using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Tensor = Interrogate.Tensors.Tensor;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Ablation;

/// <summary>Units ablated together in one measurement (one unit for a single-unit ablation).</summary>
public sealed record AblationJob(string Name, IReadOnlyList<UnitRef> Units);

/// <summary>How <see cref="BatchedAblation"/> replaces units and sizes its passes.</summary>
public sealed record BatchedAblationOptions
{
    public AblationMethod Method { get; init; } = AblationMethod.Mean;
    /// <summary>Per-unit replacement for <see cref="AblationMethod.Mean"/> (e.g. the store's running mean).</summary>
    public Func<UnitRef, float>? Means { get; init; }
    /// <summary>Evaluation windows per clean pass (their upstream activations are cached and shared by every job).</summary>
    public int WindowsPerChunk { get; init; } = 8;
    /// <summary>Token positions per ablated pass: jobs are stacked as copies of the chunk until a pass holds about this many.</summary>
    public int TokensPerPass { get; init; } = 16384;
    /// <summary>Units whose clean activation at every evaluation position is returned (held-out encoding measurements).</summary>
    public IReadOnlyList<UnitRef> Record { get; init; } = [];
    /// <summary>Picks the donor pairing of resample-ablation.</summary>
    public ulong Seed { get; init; }
}

/// <summary>
/// Clean and ablated next-token losses at chosen positions. Loss[w][k] belongs to position
/// Positions[w][k] of window w: the loss of predicting token p+1 from position p.
/// </summary>
/// <param name="CleanLoss">[windows][scored] clean losses, nats.</param>
/// <param name="Delta">[jobs][windows][scored] ablated − clean loss, nats.</param>
/// <param name="Recorded">[record units][windows·length] clean activations of <see cref="BatchedAblationOptions.Record"/>.</param>
public sealed record BatchedAblationResult(float[][] CleanLoss, float[][][] Delta, float[][] Recorded);

/// <summary>
/// Ablation that does the least work. Per chunk of windows one clean pass caches the residual stream
/// entering every block; each job then runs only from the block it touches onwards, and many jobs share
/// one pass by stacking copies of the chunk, copy j with job j's units replaced. An ablated MLP neuron
/// (<c>mlp.hook_post</c> of one block) changes that block's output by (replacement − activation) times
/// its output-weight column, so its jobs start from the cached block output and skip the block
/// itself. Logits are read only at the scored positions (the unembedding dominates small models).
/// Results equal a full forward with the same hook edits up to float rounding.
/// </summary>
public static class BatchedAblation
{
    /// <param name="model">The model.</param>
    /// <param name="ids">[windows][length] token ids, every window of the same length (at most the context).</param>
    /// <param name="positions">[windows][k] positions p (0 ≤ p &lt; length − 1) whose loss of predicting p+1 is wanted, ascending.</param>
    /// <param name="jobs">What to ablate; every unit lies in a [batch, position, width] hook point.</param>
    /// <param name="options">Replacement and pass sizes.</param>
    /// <param name="progress">Fraction done.</param>
    public static BatchedAblationResult Run(CausalLanguageModel model, int[][] ids, int[][] positions, IReadOnlyList<AblationJob> jobs,
        BatchedAblationOptions options, Action<double>? progress = null)
    {
        int windows = ids.Length, length = windows == 0 ? 0 : ids[0].Length;
        if (windows == 0 || length < 2 || ids.Any(w => w.Length != length) || positions.Length != windows)
            throw new ArgumentException("ablation needs equal windows of at least 2 tokens and one position list per window");
        if (options.Method == AblationMethod.Mean && options.Means is null) throw new ArgumentException("mean-ablation needs the units' means");
        if (options.Method == AblationMethod.Resample && Math.Min(windows, options.WindowsPerChunk) < 2)
            throw new InputException("resample-ablation needs at least 2 evaluation windows per chunk (donors come from other windows)");
        var widths = model.DescribeHookPoints(1, 1).ToDictionary(h => h.Name, h => h.Shape);
        foreach (var unit in jobs.SelectMany(j => j.Units).Concat(options.Record))
        {
            if (!widths.TryGetValue(unit.Hook, out var shape) || shape.Length != 3)
                throw new InputException($"unit {unit}: {unit.Hook} is not a [batch, position, width] hook point of this model");
            if (unit.Layer < 0)
                throw new InputException($"unit {unit}: ablation studies hook points inside the blocks (blocks.L.…)");
            if ((uint)unit.Index >= (uint)shape[2])
                throw new InputException($"neuron {unit.Index} is out of range: {unit.Hook} has {shape[2]} neurons (0..{shape[2] - 1})");
        }
        var plans = jobs.Select(j => JobPlan.Of(model, j)).ToArray();
        var clean = new float[windows][];
        var delta = jobs.Select(_ => new float[windows][]).ToArray();
        var recorded = options.Record.Select(_ => new float[windows * length]).ToArray();
        var hooks = jobs.SelectMany(j => j.Units).Concat(options.Record).Select(u => u.Hook).Distinct().ToArray();
        var rng = new TensorRandom(options.Seed);
        using var _ = GradientTape.NoGrad();
        for (int start = 0; start < windows; start += options.WindowsPerChunk)
        {
            int wb = Math.Min(options.WindowsPerChunk, windows - start);
            var chunk = new Chunk(model, ids, positions, start, wb, length, hooks);
            var cleanLoss = chunk.Losses(chunk.Residual(model.Blocks.Count), 1);
            for (int i = 0; i < wb; i++) clean[start + i] = cleanLoss[i];
            for (int r = 0; r < options.Record.Count; r++)
                Column(chunk.Activations[options.Record[r].Hook], options.Record[r].Index).CopyTo(recorded[r], start * length);
            int shift = wb > 1 ? 1 + rng.NextInt(wb - 1) : 0;
            int copies = Math.Max(1, options.TokensPerPass / (wb * length));
            foreach (var group in Enumerable.Range(0, jobs.Count).GroupBy(j => (plans[j].From, plans[j].Rank1)))
            {
                var members = group.ToArray();
                for (int at = 0; at < members.Length; at += copies)
                {
                    var pass = members[at..Math.Min(members.Length, at + copies)];
                    var losses = RunPass(model, chunk, [.. pass.Select(j => plans[j])], options, shift);
                    for (int c = 0; c < pass.Length; c++)
                        for (int i = 0; i < wb; i++)
                        {
                            var d = losses[c * wb + i];
                            for (int k = 0; k < d.Length; k++) d[k] -= cleanLoss[i][k];
                            delta[pass[c]][start + i] = d;
                        }
                }
            }
            progress?.Invoke((double)(start + wb) / windows);
        }
        return new BatchedAblationResult(clean, delta, recorded);
    }

    /// <summary>Losses [copies·wb][scored] of one stacked pass: copy c carries job <paramref name="plans"/>[c].</summary>
    private static float[][] RunPass(CausalLanguageModel model, Chunk chunk, JobPlan[] plans, BatchedAblationOptions options, int shift)
    {
        // Only the positions up to the chunk's last scored one are run (t ≤ T): attention is causal.
        int copies = plans.Length, wb = chunk.Windows, t = chunk.Used, full = chunk.Length, rowsPerCopy = wb * t;
        int from = plans[0].From;
        var start = chunk.Residual(from);                       // [wb, T, D] entering block `from`
        int d = start.Shape[2];
        var source = start.ContiguousData();
        var x = new float[copies * rowsPerCopy * d];            // [copies·wb, t, D]
        Parallelism.For(copies, c =>
        {
            for (int i = 0; i < wb; i++)
                source.Span.Slice(i * full * d, t * d).CopyTo(x.AsSpan((c * wb + i) * t * d, t * d));
        });
        var scope = new HookScope();
        try
        {
            if (plans[0].Rank1)
            {
                // The residual entering block `from` moves by (replacement − activation)·column for each replaced unit
                // (an MLP neuron's output-weight column, a dictionary feature's decoder row).
                var activations = plans.SelectMany(p => p.Job.Units).Select(u => u.Hook).Distinct()
                    .ToDictionary(h => h, h => chunk.Activations[h].ContiguousData());    // [wb, T, width] each
                Parallelism.For(copies, c =>
                {
                    foreach (var unit in plans[c].Job.Units)
                    {
                        var activation = activations[unit.Hook];
                        var post = activation.Span;
                        int width = activation.Shape[2];
                        var column = WriteColumn(model, unit)!;                                    // [D]
                        var replacement = Replacement(chunk, unit, options, shift);               // [wb·t]
                        for (int i = 0; i < wb; i++)
                            for (int p = 0; p < t; p++)
                            {
                                float change = replacement[i * t + p] - post[(i * full + p) * width + unit.Index];
                                if (change == 0f) continue;
                                var row = x.AsSpan(((c * wb + i) * t + p) * d, d);
                                TensorPrimitives.MultiplyAdd(column, change, row, row);
                            }
                    }
                });
            }
            else
            {
                foreach (var hook in plans.SelectMany(p => p.Job.Units).Select(u => u.Hook).Distinct())
                {
                    var edits = plans.Select(p => p.Job.Units.Where(u => u.Hook == hook).Select(u => (u.Index, Replacement(chunk, u, options, shift))).ToArray()).ToArray();
                    scope.Edit(hook, a => Overwrite(a, edits, rowsPerCopy));
                }
            }
            var batch = new TokenBatch(new int[copies * wb * t], copies * wb, t);
            var ctx = ForwardContext.Create(batch, null, model.Dimensions.ContextLength);
            var h = new Tensor(x, copies * wb, t, d);
            int first = from, last = model.Blocks.Count - 1;
            // The last block's MLP only matters at the scored positions (attention still needs every position),
            // unless a job edits a hook inside that block.
            bool splitLast = first <= last && plans.All(p => p.Job.Units.All(u => u.Layer != last));
            for (int b = first; b < (splitLast ? last : last + 1); b++) h = model.Blocks[b].Forward(h, ctx);
            if (!splitLast) return chunk.Losses(h, copies);
            var block = model.Blocks[last];
            var mid = chunk.Gather(h.Add(block.Attn.Forward(block.Ln1.Forward(h), ctx)), copies);   // [1, S, D] at the scored positions
            return chunk.LossesOfRows(mid.Add(block.Mlp.Forward(block.Ln2.Forward(mid))), copies);
        }
        finally { scope.Dispose(); }
    }

    /// <summary>A copy of [copies·rowsPerCopy·…, width] activations where copy c's listed columns take their replacement values.</summary>
    private static Tensor Overwrite(Tensor activation, (int Index, float[] Values)[][] edits, int rowsPerCopy)
    {
        var copy = activation.Clone();
        int width = copy.Shape[^1];
        var data = copy.Span;
        for (int c = 0; c < edits.Length; c++)
            foreach (var (index, values) in edits[c])
                for (int r = 0; r < rowsPerCopy; r++) data[(c * rowsPerCopy + r) * width + index] = values[r];
        return copy;
    }

    /// <summary>[wb·t] what the unit is set to at the first t = <see cref="Chunk.Used"/> positions of every window of the chunk.</summary>
    private static float[] Replacement(Chunk chunk, UnitRef unit, BatchedAblationOptions options, int shift)
    {
        int t = chunk.Used, rows = chunk.Windows * t;
        switch (options.Method)
        {
            case AblationMethod.Zero: return new float[rows];
            case AblationMethod.Mean: { var v = new float[rows]; Array.Fill(v, options.Means!(unit)); return v; }
            default:
            {
                // Resample: window i takes the clean activation of window (i + shift) mod wb at the same position.
                var own = Column(chunk.Activations[unit.Hook], unit.Index);
                var v = new float[rows];
                for (int i = 0; i < chunk.Windows; i++)
                    own.AsSpan((i + shift) % chunk.Windows * chunk.Length, t).CopyTo(v.AsSpan(i * t));
                return v;
            }
        }
    }

    /// <summary>[rows] column <paramref name="index"/> of a [.., width] activation.</summary>
    private static float[] Column(Tensor activation, int index)
    {
        var data = activation.ContiguousData().Span;
        int width = activation.Shape[^1], rows = data.Length / width;
        var column = new float[rows];
        for (int r = 0; r < rows; r++) column[r] = data[r * width + index];
        return column;
    }

    /// <summary>
    /// [D] what changing <paramref name="unit"/> by one adds to the residual stream entering block
    /// <see cref="Rank1Entry"/>: an MLP neuron's output-projection column or a feature's decoder row; null when
    /// the unit has no such column.
    /// </summary>
    private static float[]? WriteColumn(CausalLanguageModel model, UnitRef unit)
    {
        if (model.FindAttachment(unit.Hook) is { } attachment) return attachment.WriteDirection(unit.Index);
        int layer = unit.Layer;
        if (layer < 0 || unit.Hook != HookNames.MlpPost(layer) || OutputWeight(model.Blocks[layer].Mlp) is not { } w) return null;
        var weight = w.ContiguousData();   // [D, width]
        int d = weight.Shape[0], width = weight.Shape[1];
        var column = new float[d];
        for (int k = 0; k < d; k++) column[k] = weight.Span[k * width + unit.Index];
        return column;
    }

    /// <summary>
    /// The block whose input stream a rank-one unit writes to: L + 1 for an MLP neuron of block L or a
    /// dictionary feature on blocks.L.hook_resid_post, L for one on blocks.L.hook_resid_pre; null otherwise.
    /// </summary>
    private static int? Rank1Entry(CausalLanguageModel model, string hook)
    {
        if (model.FindAttachment(hook) is { } attachment)
        {
            int host = HookNames.LayerOf(attachment.Host);
            if (host < 0 || attachment.WriteDirection(0) is null) return null;
            return attachment.Host == HookNames.Block(host, "hook_resid_post") ? host + 1
                : attachment.Host == HookNames.Block(host, "hook_resid_pre") ? host : null;
        }
        int layer = HookNames.LayerOf(hook);
        return layer >= 0 && hook == HookNames.MlpPost(layer) && OutputWeight(model.Blocks[layer].Mlp) is not null ? layer + 1 : null;
    }

    /// <summary>The [D, width] matrix the MLP's output is read with from hook_post, or null when the output is not linear in it.</summary>
    internal static Tensor? OutputWeight(FeedForward mlp) => mlp switch
    {
        DenseMlp dense => dense.Out.Weight,
        GatedMlp gated => gated.Down.Weight,
        _ => null,
    };

    /// <summary>Where a job starts: the first block it touches, and whether the rank-one shortcut applies (Rank1: From is the block its units write into).</summary>
    private sealed record JobPlan(AblationJob Job, int From, bool Rank1)
    {
        public static JobPlan Of(CausalLanguageModel model, AblationJob job)
        {
            var entries = job.Units.Select(u => u.Hook).Distinct().Select(h => Rank1Entry(model, h)).Distinct().ToArray();
            if (entries is [int entry]) return new JobPlan(job, entry, true);   // starts from the stream its units write into
            return new JobPlan(job, job.Units.Min(u => u.Layer), false);        // the edits run as blocks From.. are recomputed
        }
    }
}
