namespace Interrogate.Training.LanguageModel;

/// <summary>
/// Settings of a causal language-model run. Everything except <see cref="StopAfter"/> is part of the
/// run's identity: a checkpoint only resumes under the same settings.
/// </summary>
public sealed record LanguageModelTrainingOptions
{
    public ulong Seed { get; init; }
    /// <summary>Optimizer steps of the whole run (the cosine schedule ends here).</summary>
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 16;
    /// <summary>Tokens per window; also the model's context length.</summary>
    public int SequenceLength { get; init; } = 128;
    public float LearningRate { get; init; } = 1e-3f;
    public float MinLearningRate { get; init; } = 1e-4f;
    public int WarmupSteps { get; init; } = 100;
    /// <summary>AdamW decay, applied to the weight matrices of linear layers only (not biases, norms or embeddings).</summary>
    public float WeightDecay { get; init; } = 0.1f;
    public float Beta2 { get; init; } = 0.99f;
    /// <summary>Global L2 norm the gradients are clipped to.</summary>
    public float GradientClip { get; init; } = 1f;
    /// <summary>Validation every this many steps (and at the end).</summary>
    public int EvalEvery { get; init; } = 100;
    /// <summary>Fixed validation windows, evenly spaced over the validation split.</summary>
    public int EvalWindows { get; init; } = 64;
    public int CheckpointEvery { get; init; } = 100;
    /// <summary>Stop after this many evaluations without a better validation loss; 0 turns early stopping off.</summary>
    public int Patience { get; init; }
    /// <summary>Stop (with a checkpoint) once this step is reached, without changing the schedule: a time-boxed or test run.</summary>
    public int? StopAfter { get; init; }

    internal void Validate()
    {
        Require(Steps > 0, "--steps", Steps);
        Require(BatchSize > 0, "--batch-size", BatchSize);
        Require(SequenceLength >= 2, "--seq", SequenceLength);
        Require(LearningRate > 0 && float.IsFinite(LearningRate), "--lr", LearningRate);
        Require(EvalEvery > 0, "--eval-every", EvalEvery);
        Require(EvalWindows > 0, "--eval-windows", EvalWindows);
        Require(CheckpointEvery > 0, "--checkpoint-every", CheckpointEvery);
        Require(Patience >= 0, "--patience", Patience);
        if (StopAfter is int stop) Require(stop > 0, "--stop-after", stop);
    }

    private static void Require(bool ok, string flag, object value)
    {
        if (!ok) throw new InputException($"{flag}: {value} is out of range (see --help)");
    }
}

/// <summary>One report per training step, for live progress.</summary>
public sealed record LanguageModelProgress(long Step, long TotalSteps, float Loss, float LearningRate, double TokensPerSecond,
    double? ValidationLoss);

/// <summary>
/// How a run ended. ValidationLoss is on the reported validation windows; StoppingLoss and BestStoppingLoss
/// on the other windows early stopping watched (<see cref="TokenWindows.ReportedAndStoppingStarts"/>).
/// </summary>
public sealed record LanguageModelTrainingResult(long Steps, double ValidationLoss, double StoppingLoss, double BestStoppingLoss, bool StoppedEarly,
    bool Finished, double TokensPerSecond, double Seconds, long? ResumedFrom);
