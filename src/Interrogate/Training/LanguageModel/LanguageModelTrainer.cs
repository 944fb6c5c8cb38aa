using System.Diagnostics;
using Interrogate.Data.Corpora;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// Trains a causal language model on random windows of a token file: AdamW (decay on linear weight
/// matrices only), linear warm-up then cosine decay, global-norm clipping, validation on fixed windows
/// (reported) and early stopping on other fixed windows (<see cref="TokenWindows.ReportedAndStoppingStarts"/>), <c>train_log.jsonl</c>, and checkpoints in <c>OUT/checkpoint/</c> from which a killed
/// or cancelled run resumes to bit-identical weights and the same loss curve. That holds because every
/// input of step s (weights, moments, step count, rate, windows) is a function of the checkpoint and s,
/// and the kernels are deterministic at any fixed thread count (no atomics or order-dependent sums).
/// </summary>
public sealed class LanguageModelTrainer(CausalLanguageModel model, LanguageModelTrainingOptions options, string outDirectory)
{
    public const string CheckpointFolder = "checkpoint", LogFile = "train_log.jsonl";

    /// <summary>Early stopping counts a stopping-window loss as better only when it beats the best by more than this (nats).</summary>
    public const double MinImprovement = 1e-4;

    public CausalLanguageModel Model { get; } = model;
    public LanguageModelTrainingOptions Options { get; } = options;
    public string OutDirectory { get; } = outDirectory;

    /// <summary>Identifies the data (corpus and tokenizer) in the run's fingerprint; a resume with other data is refused.</summary>
    public string DataIdentity { get; init; } = "";

    /// <summary>The optimizer the trainer uses: AdamW, weight decay only on the weight matrices of linear layers.</summary>
    public static AdamW CreateOptimizer(CausalLanguageModel model, LanguageModelTrainingOptions options) =>
        new(model.NamedParameters(), options.LearningRate, beta2: options.Beta2, weightDecay: options.WeightDecay,
            decays: name => name.EndsWith(".weight", StringComparison.Ordinal)
                && (name.Contains(".attn.", StringComparison.Ordinal) || name.Contains(".mlp.", StringComparison.Ordinal) || name.StartsWith("unembed.", StringComparison.Ordinal)));

    /// <summary>
    /// Runs to <see cref="LanguageModelTrainingOptions.Steps"/> (or StopAfter, or early stopping). With
    /// <paramref name="resume"/>, continues from OUT/checkpoint when there is one. Cancelling writes a
    /// checkpoint at the last finished step, then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public LanguageModelTrainingResult Train(TokenFile train, TokenFile validation, bool resume,
        Action<LanguageModelProgress>? progress = null, CancellationToken cancel = default)
    {
        Options.Validate();
        if (Model.Dimensions.ContextLength < Options.SequenceLength)
            throw new InputException($"--seq: {Options.SequenceLength} is longer than the model's context ({Model.Dimensions.ContextLength})");
        var fingerprint = TrainingCheckpoint.FingerprintOf(Options, Model, DataIdentity);
        var checkpointDir = Path.Combine(OutDirectory, CheckpointFolder);
        var optimizer = CreateOptimizer(Model, Options);
        var state = new TrainingCheckpoint(fingerprint, 0, 0, Options.Seed, 0, double.PositiveInfinity, 0, double.NaN, double.NaN);
        var existing = TrainingCheckpoint.TryRead(checkpointDir);
        if (existing is not null && !resume)
            throw InputException.ForFile(checkpointDir, "holds a checkpoint of an earlier run; pass --resume to continue it, or choose another --out");
        if (existing is not null)
        {
            if (existing.Fingerprint != fingerprint)
                throw InputException.ForFile(checkpointDir, "was written by a run with a different configuration (preset, flags, seed, corpus or tokenizer); use the same settings, or another --out");
            existing.Restore(Model, optimizer);
            state = existing with { Fingerprint = fingerprint };
        }
        long? resumedFrom = existing?.Step;

        var (reported, stopping, _) = TokenWindows.ReportedAndStoppingStarts(validation, Options.EvalWindows, Options.SequenceLength);
        var validationWindows = reported.Select(s => validation.Read(s, Options.SequenceLength)).ToList();
        var stoppingWindows = stopping.Select(s => validation.Read(s, Options.SequenceLength)).ToList();
        var schedule = new CosineSchedule(Options.LearningRate, Options.WarmupSteps, Options.Steps, Options.MinLearningRate);
        using var log = TrainingLog.Open(Path.Combine(OutDirectory, LogFile), keepThroughStep: state.Step);
        var clock = new Stopwatch();
        long tokensThisSession = 0;
        bool stoppedEarly = false;
        Model.SetTraining(true);
        int b = Options.BatchSize, t = Options.SequenceLength;
        long step = state.Step;
        while (step < Options.Steps)
        {
            if (cancel.IsCancellationRequested)
            {
                state.Save(checkpointDir, Model, optimizer);
                cancel.ThrowIfCancellationRequested();
            }
            clock.Start();
            float rate = schedule.RateAt(step);
            optimizer.LearningRate = rate;
            var batch = new TokenBatch(TokenWindows.TrainBatch(train, Options.Seed, step, b, t), b, t);
            float loss;
            using (var tape = new GradientTape())
            {
                var lossTensor = CausalLanguageModel.NextTokenLoss(Model.Forward(batch), batch);
                loss = lossTensor.Item();
                tape.Backward(lossTensor);
            }
            float norm = GradientClipping.ClipByGlobalNorm(Model.Parameters(), Options.GradientClip);
            optimizer.Step();
            optimizer.ZeroGrad();
            clock.Stop();
            step++;
            tokensThisSession += (long)b * t;
            double tokensPerSecond = tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            log.Write(step, ("loss", loss), ("lr", rate), ("grad_norm", norm), ("tokens_per_second", Math.Round(tokensPerSecond, 1)));
            state = state with { Step = step, OptimizerSteps = optimizer.StepCount, WindowsRead = step * b };

            double? validationLoss = null;
            if (step % Options.EvalEvery == 0 || step == Options.Steps)
            {
                validationLoss = Evaluate(validationWindows);
                double stoppingLoss = Evaluate(stoppingWindows);
                bool better = stoppingLoss < state.BestStoppingLoss - MinImprovement;
                state = state with
                {
                    LastValidationLoss = validationLoss.Value,
                    LastStoppingLoss = stoppingLoss,
                    BestStoppingLoss = better ? stoppingLoss : state.BestStoppingLoss,
                    EvaluationsWithoutImprovement = better ? 0 : state.EvaluationsWithoutImprovement + 1,
                };
                log.Write(step, ("val_loss", validationLoss.Value), ("stop_loss", stoppingLoss), ("best_stop_loss", state.BestStoppingLoss));
                stoppedEarly = Options.Patience > 0 && state.EvaluationsWithoutImprovement >= Options.Patience;
            }
            progress?.Invoke(new LanguageModelProgress(step, Options.Steps, loss, rate, tokensPerSecond, validationLoss));
            bool pause = step == Options.StopAfter;
            if (step % Options.CheckpointEvery == 0 || stoppedEarly || pause || step == Options.Steps)
                state.Save(checkpointDir, Model, optimizer);
            if (stoppedEarly || pause) break;
        }
        Model.SetTraining(false);
        if (double.IsNaN(state.LastValidationLoss))
            state = state with { LastValidationLoss = Evaluate(validationWindows) };
        if (double.IsNaN(state.LastStoppingLoss))
            state = state with { LastStoppingLoss = Evaluate(stoppingWindows) };
        return new LanguageModelTrainingResult(step, state.LastValidationLoss, state.LastStoppingLoss, Math.Min(state.BestStoppingLoss, state.LastStoppingLoss),
            stoppedEarly, step == Options.Steps || stoppedEarly, tokensThisSession / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
            clock.Elapsed.TotalSeconds, resumedFrom);
    }

    /// <summary>Mean next-token loss (nats) over the fixed validation windows.</summary>
    public double Evaluate(IReadOnlyList<int[]> windows)
    {
        bool training = Model.Training;
        Model.SetTraining(false);
        using var _ = GradientTape.NoGrad();
        double sum = 0;
        int t = windows[0].Length;
        for (int start = 0; start < windows.Count; start += Options.BatchSize)
        {
            int n = Math.Min(Options.BatchSize, windows.Count - start);
            var ids = new int[n * t];
            for (int i = 0; i < n; i++) windows[start + i].CopyTo(ids, i * t);
            var batch = new TokenBatch(ids, n, t);
            sum += CausalLanguageModel.NextTokenLoss(Model.Forward(batch), batch).Item() * (double)n;
        }
        Model.SetTraining(training);
        return sum / windows.Count;
    }
}
