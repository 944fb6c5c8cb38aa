using System.Diagnostics;

namespace Interrogate.Features;

/// <summary>What to train: data, shape, settings, and the identity a checkpoint must match to be resumed.</summary>
/// <param name="Inputs">Encoder inputs [N, d_in].</param>
/// <param name="Targets">Decoder targets [N, d_out], row-aligned (the same object for an autoencoder).</param>
/// <param name="Latents">Dictionary size.</param>
/// <param name="Activation">TopK, ReLU or JumpReLU.</param>
/// <param name="K">Active latents per row (TopK).</param>
/// <param name="Batch">Rows per step.</param>
/// <param name="Tokens">Training rows to consume (more than Inputs.Count: several epochs).</param>
/// <param name="Options">Optimiser and penalties.</param>
/// <param name="HookIn">Recorded in the dictionary.</param>
/// <param name="HookOut">Recorded in the dictionary.</param>
/// <param name="Identity">Names the data source (model, corpus, hooks).</param>
public sealed record DictionaryRunSpec(IActivationRows Inputs, IActivationRows Targets, int Latents, DictionaryActivation Activation, int K,
    int Batch, long Tokens, DictionaryTrainingOptions Options, string HookIn, string HookOut, string Identity)
{
    public long Steps => Math.Max(1, Tokens / Batch);

    /// <summary>The checkpoint identity: the data source and every setting that changes the result.</summary>
    public string Fingerprint => $"{Identity}|{Inputs.Count}x{Inputs.Width}->{Targets.Width}|{Latents}|{Activation}|{K}|{Batch}|{Tokens}|{Options}";
}

/// <summary>Progress of a run after a step.</summary>
public sealed record DictionaryProgress(long Step, long Steps, DictionaryStep Last, double TokensPerSecond, bool Resumed);

/// <summary>
/// A whole training run: inputs scaled to mean norm √width, b_dec initialised on a batch, Adam steps
/// over shuffled batches streamed from disk, a checkpoint (<see cref="DictionaryCheckpoint"/>) every
/// minute and at the end so a stopped run resumes where it was, and the scales folded back into the
/// returned dictionary.
/// </summary>
public static class DictionaryRun
{
    /// <param name="spec">What to train.</param>
    /// <param name="checkpointPath">Checkpoint file (resumed when it exists and matches).</param>
    /// <param name="progress">Called after every step.</param>
    /// <param name="cancel">Checked between steps; a cancelled run saves its checkpoint and throws.</param>
    public static SparseDictionary Train(DictionaryRunSpec spec, string checkpointPath, Action<DictionaryProgress>? progress = null, CancellationToken cancel = default)
    {
        var (inputs, targets) = (spec.Inputs, spec.Targets);
        bool autoencoder = ReferenceEquals(inputs, targets);
        float inScale = ShuffledBatches.NormScale(inputs), outScale = autoencoder ? inScale : ShuffledBatches.NormScale(targets);
        var batches = new ShuffledBatches(inputs, targets, spec.Batch, 128, Math.Max(spec.Batch * 16, 1 << 18), spec.Options.Seed)
        {
            InputScale = inScale, TargetScale = outScale,
        };
        var dict = new SparseDictionary(inputs.Width, targets.Width, spec.Latents, spec.Activation, spec.K)
        {
            HookIn = spec.HookIn, HookOut = spec.HookOut, SubtractDecoderBias = autoencoder,
        };
        var x = new float[spec.Batch * inputs.Width];
        var y = new float[spec.Batch * targets.Width];
        batches.Fill(0, x, y);
        DictionaryInit.Apply(dict, y, spec.Batch, spec.Options.GeometricMedianInit, spec.Options.InitialThreshold, spec.Options.Seed);
        var trainer = new DictionaryTrainer(dict, spec.Options, spec.Batch, spec.Steps);
        bool resumed = DictionaryCheckpoint.TryLoad(checkpointPath, dict, trainer, spec.Fingerprint);
        var clock = Stopwatch.StartNew();
        var sinceSave = Stopwatch.StartNew();
        long first = trainer.Step;
        while (trainer.Step < spec.Steps)
        {
            if (cancel.IsCancellationRequested)
            {
                DictionaryCheckpoint.Save(checkpointPath, dict, trainer, spec.Fingerprint);
                cancel.ThrowIfCancellationRequested();
            }
            batches.Fill(trainer.Step, x, y);
            var step = trainer.TrainStep(x, y);
            if (sinceSave.Elapsed.TotalSeconds > 60) { DictionaryCheckpoint.Save(checkpointPath, dict, trainer, spec.Fingerprint); sinceSave.Restart(); }
            progress?.Invoke(new DictionaryProgress(trainer.Step, spec.Steps, step, (trainer.Step - first) * spec.Batch / clock.Elapsed.TotalSeconds, resumed));
        }
        DictionaryCheckpoint.Save(checkpointPath, dict, trainer, spec.Fingerprint);
        dict.FoldScales(inScale, outScale);
        return dict;
    }
}
