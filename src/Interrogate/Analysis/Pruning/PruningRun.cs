using Interrogate.Analysis.Importance;
using Interrogate.Nn;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>What `prune` asks for. Exactly one of <see cref="Target"/> and <see cref="LossBudget"/> is set.</summary>
public sealed record PruningRequest
{
    public required PruningMethod Method { get; init; }
    /// <summary>Fraction removed: of every layer's neurons, or (unstructured) of the prunable weights. In (0, 1).</summary>
    public double? Target { get; init; }
    /// <summary>
    /// Largest increase of the loss (nats) allowed before fine-tuning, measured on the calibration data while
    /// searching; the chosen pruning is then reported on the evaluation data, which the search never saw.
    /// </summary>
    public double? LossBudget { get; init; }
    public bool Unstructured { get; init; }
    /// <summary>Prune-then-tune rounds (Han et al. 2015): round r prunes to r/R of the target and tunes Steps/R steps.</summary>
    public int Rounds { get; init; } = 1;
    /// <summary>Rounds (<see cref="Rounds"/> prune-then-tune rounds; 1 is one-shot) or gradual (<see cref="GradualSchedule"/>, unstructured only).</summary>
    public PruningSchedule Schedule { get; init; } = PruningSchedule.Rounds;
    /// <summary>Gradual schedule: the fraction of the fine-tuning steps over which the sparsity rises, in (0, 1].</summary>
    public double Ramp { get; init; } = 0.5;
    /// <summary>Gradual schedule: fine-tuning steps between mask updates.</summary>
    public int PruneEvery { get; init; } = 100;
    /// <summary>Unstructured magnitude: how the fraction is spread over the weight matrices.</summary>
    public WeightAllocation Allocation { get; init; } = WeightAllocation.Global;
    public FineTuneOptions FineTune { get; init; } = new();
    /// <summary>Atp: the exact ablation measures only attribution patching's shortlist (<see cref="ScreenedAblationMethod"/>).</summary>
    public PruningScreen Screen { get; init; } = PruningScreen.None;
    /// <summary>With <see cref="Screen"/>: the shortlist's size as a multiple of the units removed from each layer.</summary>
    public double ScreenFactor { get; init; } = ScreenedAblationMethod.DefaultFactor;

    /// <summary>The method as this request runs it (screened when asked).</summary>
    public IPruningMethod MethodToRun() => Screen == PruningScreen.Atp ? new ScreenedAblationMethod(ScreenFactor) : PruningMethods.Get(Method);

    /// <summary>Checks the values a user types; InputExceptions name the flag.</summary>
    public void Validate()
    {
        if ((Target is null) == (LossBudget is null)) throw new InputException("give exactly one of --target and --loss-budget");
        if (Target is { } t && !(t > 0 && t < 1)) throw new InputException($"--target: {t} is outside (0, 1) (the fraction to remove)");
        if (LossBudget is { } b && !(b >= 0 && double.IsFinite(b))) throw new InputException($"--loss-budget: {b} must be a non-negative number of nats");
        if (FineTune.Steps < 0) throw new InputException($"--finetune: {FineTune.Steps} must be zero or positive");
        if (Rounds < 1) throw new InputException($"--rounds: {Rounds} must be at least 1");
        if (!(FineTune.LearningRate > 0) || !float.IsFinite(FineTune.LearningRate)) throw new InputException($"--lr: {FineTune.LearningRate} must be positive");
        if (!(FineTune.Temperature > 0)) throw new InputException($"--temperature: {FineTune.Temperature} must be positive");
        if (FineTune.DistillWeight is < 0 or > 1) throw new InputException($"--distill-weight: {FineTune.DistillWeight} is outside [0, 1]");
        if (Schedule == PruningSchedule.Gradual)
        {
            if (!Unstructured) throw new InputException("--schedule: gradual pruning zeroes single weights; add --unstructured");
            if (FineTune.Steps == 0) throw new InputException("--schedule: gradual pruning happens while fine-tuning; give --finetune steps");
            if (Rounds != 1) throw new InputException("--rounds: only with --schedule rounds (gradual pruning sets its own updates with --prune-every)");
        }
        if (!(Ramp > 0 && Ramp <= 1)) throw new InputException($"--ramp: {Ramp} is outside (0, 1] (the fraction of --finetune steps the sparsity rises over)");
        if (PruneEvery < 1) throw new InputException($"--prune-every: {PruneEvery} must be at least 1 step");
        if (Allocation != WeightAllocation.Global && !(Unstructured && Method == PruningMethod.Magnitude))
            throw new InputException($"--allocation: '{Allocation.Name()}' spreads unstructured magnitude pruning over the matrices; it needs --unstructured --method magnitude");
        if (Screen == PruningScreen.Atp && (Method != PruningMethod.Ablation || Unstructured))
            throw new InputException($"--screen atp: screens the exact per-neuron ablation only (--method ablation, structured); '{Method.Name()}'{(Unstructured ? " with --unstructured" : "")} measures nothing per unit");
        if (Screen == PruningScreen.Atp && !(ScreenFactor >= 1 && double.IsFinite(ScreenFactor)))
            throw new InputException($"--screen-factor: {ScreenFactor} must be at least 1 (the shortlist's size as a multiple of the neurons to remove)");
        if (Unstructured && !WeightMask.Methods.Contains(Method))
            throw new InputException($"--unstructured: method '{Method.Name()}' scores neurons, not weights (use {string.Join(" or ", WeightMask.Methods.Select(m => m.Name()))})");
    }
}

/// <summary>One measured point of a --loss-budget search, on the calibration data (the search never sees the evaluation data).</summary>
public sealed record BudgetProbe(double Fraction, double Loss, double DeltaLoss, bool WithinBudget);

/// <summary>How many weights of one prunable matrix an unstructured pruning kept (non-zero after tuning).</summary>
public sealed record MatrixKept(string Name, long Weights, long Kept)
{
    public double KeptFraction => Weights == 0 ? 0 : (double)Kept / Weights;
}

/// <summary>
/// Everything `prune` measured. Losses are on the evaluation data (<see cref="ReportedOn"/>); a --loss-budget
/// search is judged on the calibration data (<see cref="SearchedOn"/>, null without a budget), where
/// <see cref="SearchBaselineLoss"/> is the unpruned loss its probes' Δ are taken from.
/// </summary>
public sealed record PruningReport(PruningMethod Method, bool Unstructured, double Fraction, int[] WidthsBefore, int[] WidthsAfter,
    long ParametersBefore, long ParametersAfter, long NonZeroParametersAfter, double? WeightSparsity,
    SubjectEvaluation Original, SubjectEvaluation OriginalWithRemovedAblated, SubjectEvaluation Pruned, SubjectEvaluation? Tuned,
    int FineTuneSteps, bool Distilled, double ThroughputBefore, double ThroughputAfter, string ThroughputUnit,
    IReadOnlyList<BudgetProbe> BudgetSearch, PruningSchedule Schedule, WeightAllocation Allocation, IReadOnlyList<MatrixKept>? Matrices)
{
    public string? SearchedOn { get; init; }
    public string ReportedOn { get; init; } = "";
    public double? SearchBaselineLoss { get; init; }
    /// <summary>With --screen atp: per layer, how many units were measured exactly and how AtP ranked them against the exact Δloss.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ScreeningLayer>? Screening { get; init; }
}

/// <summary>
/// The `prune` pipeline: measure the original, choose what to remove (for a fraction, or by a binary
/// search under a loss budget measured on the calibration data), remove it (structured: a smaller network, removed neurons' means
/// folded into the next bias; unstructured: zeros), fine-tune, and re-measure. The original network is
/// never modified.
/// </summary>
public static class PruningRun
{
    /// <summary>Checks the request and that it can be carried out on this network (no layer emptied); InputExceptions name the flag.</summary>
    public static void Check(Subject network, PruningRequest request)
    {
        request.Validate();
        if (request.Unstructured || request.Target is not { } target) return;
        var widths = network.Widths;
        for (int l = 0; l < widths.Length; l++)
            if (PruningMethods.CountFor(widths[l], target) >= widths[l])
                throw new InputException($"--target: {target} removes all {widths[l]} neurons of {network.Layers[l].Name}; choose a smaller target");
    }

    public static (Subject Pruned, PruningReport Report) Run(Subject original, PruningRequest request,
        Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        Check(original, request);
        progress?.Invoke("measuring the original", 0);
        var before = original.Evaluate();
        var stats = CalibrationStatistics.Measure(original, f => progress?.Invoke("activation statistics", f));
        return request.Unstructured
            ? Unstructured(original, request, before, stats, progress, cancel)
            : Structured(original, request, before, stats, progress, cancel);
    }

    private static (Subject, PruningReport) Structured(Subject original, PruningRequest request, SubjectEvaluation before,
        IReadOnlyList<LayerStatistics> stats, Action<string, double>? progress, CancellationToken cancel)
    {
        var decision = request.MethodToRun().Analyse(original, progress);
        var means = stats.Select(s => s.Mean).ToList();
        int[] widths = original.Widths;
        var probes = new List<BudgetProbe>();
        (Subject Net, int[][] Removed) Prune(double fraction)
        {
            var copy = original.Clone();
            var removed = decision.Choose(copy, fraction);
            return (NeuronRemoval.Remove(copy, removed, means), removed);
        }
        double fraction;
        if (request.Target is { } target) fraction = target;
        else
        {
            // Fractions k/G with G the widest layer; the largest k whose Δloss on the calibration data is within the budget.
            double searchBefore = original.Evaluate(DataPart.Calibration).Loss;
            int grid = widths.Max();
            int hi = Enumerable.Range(0, grid).Last(k => widths.All(w => PruningMethods.CountFor(w, (double)k / grid) < w));
            int lo = 0;
            while (lo < hi)
            {
                cancel.ThrowIfCancellationRequested();
                int mid = (lo + hi + 1) / 2;
                double f = (double)mid / grid;
                progress?.Invoke($"budget search: removing {f:P1}", (double)probes.Count / Math.Log2(grid + 1));
                var loss = Prune(f).Net.Evaluate(DataPart.Calibration).Loss;
                bool ok = loss - searchBefore <= request.LossBudget!.Value;
                probes.Add(new BudgetProbe(f, loss, loss - searchBefore, ok));
                if (ok) lo = mid; else hi = mid - 1;
            }
            fraction = (double)lo / grid;
        }
        var (pruned, removedNeurons) = Prune(fraction);
        var afterPruning = pruned.Evaluate();
        var ablated = EvaluateAblated(original, removedNeurons, means);
        var teacher = request.FineTune.Distill ? original : null;
        FineTuning.Run(pruned, teacher, (WeightMask?)null, request.FineTune, (s, l) => progress?.Invoke($"fine-tuning, loss {l:F4}", (double)s / request.FineTune.Steps), cancel);
        var tuned = request.FineTune.Steps > 0 ? pruned.Evaluate() : null;
        var report = Report(original, pruned, request, fraction, before, ablated, afterPruning, tuned, null, probes);
        return (pruned, decision is ScreenedAblationDecision screened ? report with { Screening = screened.Report() } : report);
    }

    private static (Subject, PruningReport) Unstructured(Subject original, PruningRequest request, SubjectEvaluation before,
        IReadOnlyList<LayerStatistics> stats, Action<string, double>? progress, CancellationToken cancel)
    {
        var probes = new List<BudgetProbe>();
        double fraction;
        if (request.Target is { } target) fraction = target;
        else
        {
            int lo = 0, hi = 99;   // percent of prunable weights
            double searchBefore = original.Evaluate(DataPart.Calibration).Loss;
            while (lo < hi)
            {
                cancel.ThrowIfCancellationRequested();
                int mid = (lo + hi + 1) / 2;
                var trial = original.Clone();
                WeightMask.Choose(trial, request.Method, mid / 100.0, stats, request.Allocation).Apply(trial);
                var loss = trial.Evaluate(DataPart.Calibration).Loss;
                bool ok = loss - searchBefore <= request.LossBudget!.Value;
                probes.Add(new BudgetProbe(mid / 100.0, loss, loss - searchBefore, ok));
                progress?.Invoke($"budget search: zeroing {mid}% of weights", probes.Count / 7.0);
                if (ok) lo = mid; else hi = mid - 1;
            }
            fraction = lo / 100.0;
        }
        // One-shot pruning to the final fraction: what the original loses before any tuning.
        var oneShot = original.Clone();
        WeightMask.Choose(oneShot, request.Method, fraction, stats, request.Allocation).Apply(oneShot);
        var afterPruning = oneShot.Evaluate();
        var teacher = request.FineTune.Distill ? original : null;
        Subject pruned = oneShot;
        WeightMask? mask = null;
        SubjectEvaluation? tuned = null;
        if (request.FineTune.Steps > 0)
        {
            pruned = original.Clone();
            mask = request.Schedule == PruningSchedule.Gradual
                ? Gradual(pruned, teacher, request, fraction, progress, cancel)
                : Rounds(pruned, teacher, request, fraction, progress, cancel);
            tuned = pruned.Evaluate();
        }
        mask ??= WeightMask.Choose(original.Clone(), request.Method, fraction, stats, request.Allocation);
        return (pruned, Report(original, pruned, request, fraction, before, afterPruning, afterPruning, tuned, mask.Sparsity, probes, Kept(pruned, mask)));
    }

    /// <summary>Han et al.: prune a little, retrain, prune more. One round is one-shot pruning then tuning.</summary>
    private static WeightMask Rounds(Subject pruned, Subject? teacher, PruningRequest request, double fraction,
        Action<string, double>? progress, CancellationToken cancel)
    {
        int rounds = request.Rounds, stepsPerRound = Math.Max(1, request.FineTune.Steps / rounds);
        WeightMask? mask = null;
        for (int r = 1; r <= rounds; r++)
        {
            var roundStats = request.Method == PruningMethod.Wanda ? CalibrationStatistics.Measure(pruned) : null;
            mask = WeightMask.Choose(pruned, request.Method, fraction * r / rounds, roundStats, request.Allocation);
            mask.Apply(pruned);
            FineTuning.Run(pruned, teacher, mask, request.FineTune with { Steps = stepsPerRound },
                (s, l) => progress?.Invoke($"round {r}/{rounds}: fine-tuning, loss {l:F4}", (double)s / stepsPerRound), cancel);
        }
        return mask!;
    }

    /// <summary>Zhu &amp; Gupta: the mask is recomputed from the current weights on the <see cref="GradualSchedule"/> while tuning.</summary>
    private static WeightMask Gradual(Subject pruned, Subject? teacher, PruningRequest request, double fraction,
        Action<string, double>? progress, CancellationToken cancel)
    {
        var schedule = GradualSchedule.For(fraction, request.FineTune.Steps, request.Ramp, request.PruneEvery);
        WeightMask? mask = null;
        WeightMask? MaskAfter(int done)
        {
            if (!schedule.UpdatesAfter(done)) return mask;
            var stats = request.Method == PruningMethod.Wanda ? CalibrationStatistics.Measure(pruned) : null;
            return mask = WeightMask.Choose(pruned, request.Method, schedule.SparsityAt(done), stats, request.Allocation);
        }
        FineTuning.Run(pruned, teacher, MaskAfter, request.FineTune,
            (s, l) => progress?.Invoke($"gradual pruning to {schedule.SparsityAt(s):P1}, loss {l:F4}", (double)s / request.FineTune.Steps), cancel);
        return mask!;
    }

    /// <summary>Per prunable matrix: its size and how many of its weights the network holds non-zero under the mask.</summary>
    private static List<MatrixKept> Kept(Subject network, WeightMask mask) =>
        [.. network.PrunableWeights().Select(w =>
        {
            var v = w.Weight.ContiguousData().Span;
            var keep = mask.Keep[w.Name];
            long kept = 0;
            for (int i = 0; i < v.Length; i++) if (keep[i] && v[i] != 0f) kept++;
            return new MatrixKept(w.Name, v.Length, kept);
        })];

    private static PruningReport Report(Subject original, Subject pruned, PruningRequest request, double fraction,
        SubjectEvaluation before, SubjectEvaluation ablated, SubjectEvaluation afterPruning, SubjectEvaluation? tuned, double? sparsity,
        IReadOnlyList<BudgetProbe> probes, IReadOnlyList<MatrixKept>? matrices = null) =>
        new(request.Method, request.Unstructured, fraction, original.Widths, pruned.Widths, original.Module.ParameterCount(),
            pruned.Module.ParameterCount(), WeightMask.NonZeroParameters(pruned), sparsity, before, ablated, afterPruning, tuned,
            request.FineTune.Steps, request.FineTune.Distill && request.FineTune.Steps > 0, original.Throughput(), pruned.Throughput(),
            original.Unit + "/s", probes, request.Schedule, request.Allocation, matrices)
        {
            SearchedOn = request.LossBudget is null ? null : original.Describe(DataPart.Calibration),
            ReportedOn = original.Describe(DataPart.Evaluation),
            SearchBaselineLoss = request.LossBudget is null ? null : original.Evaluate(DataPart.Calibration).Loss,
        };

    /// <summary>
    /// The original's evaluation with the given neurons replaced by their calibration means (hook edits at
    /// each layer's activation), for comparing what the original loses with what the tuned model recovers.
    /// </summary>
    public static SubjectEvaluation EvaluateAblated(Subject network, int[][] removed, IReadOnlyList<float[]> means)
    {
        using var hooks = new HookScope();
        for (int l = 0; l < removed.Length; l++)
        {
            if (removed[l].Length == 0) continue;
            var (neurons, mean, width) = (removed[l], means[l], network.Layers[l].Width);
            hooks.Edit(network.Layers[l].ActivationHook, a =>
            {
                var copy = a.Clone();
                var s = copy.Span;
                for (int p = 0; p < s.Length / width; p++)
                    foreach (int j in neurons) s[p * width + j] = mean[j];
                return copy;
            });
        }
        return network.Evaluate();
    }
}
