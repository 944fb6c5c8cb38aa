using Interrogate.Formats;
using Interrogate.Tensors;

namespace Interrogate.Features;

/// <summary>
/// A training run's resumable state in one safetensors file, written atomically: the dictionary's
/// weights (in its own row-per-latent layout), Adam's moments, the step, when each latent last
/// fired, and an identity string; a checkpoint of a different run (other data, shape or options) is refused.
/// </summary>
public static class DictionaryCheckpoint
{
    public const string FileName = "checkpoint.safetensors";

    /// <summary>Writes the state of a run (identity names its data and settings) into path.</summary>
    public static void Save(string path, SparseDictionary d, DictionaryTrainer trainer, string identity)
    {
        var tensors = new List<(string, Tensor)>
        {
            ("W_enc", Vector(d.EncoderWeight)), ("b_enc", Vector(d.EncoderBias)), ("W_dec", Vector(d.DecoderWeight)),
            ("b_dec", Vector(d.DecoderBias)), ("threshold", Vector(d.Threshold)),
            ("last_fired_step", Vector([.. trainer.LastFired.Select(t => (float)(t / trainer.BatchSize))])),
        };
        tensors.AddRange(trainer.State().Select(s => (s.Name, Vector(s.Values))));
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string>
        {
            ["identity"] = identity,
            ["step"] = trainer.Step.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    /// <summary>Restores a run from path; false when there is no checkpoint; InputException when it belongs to another run.</summary>
    public static bool TryLoad(string path, SparseDictionary d, DictionaryTrainer trainer, string identity)
    {
        if (!File.Exists(path)) return false;
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("identity", out var saved) || saved != identity)
            throw InputException.ForFile(path, "is a checkpoint of a different run (other data, model, hook or settings); use a new --out folder or delete it");
        long step = long.Parse(file.Metadata["step"], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, values) in new[] { ("W_enc", d.EncoderWeight), ("b_enc", d.EncoderBias), ("W_dec", d.DecoderWeight), ("b_dec", d.DecoderBias), ("threshold", d.Threshold) })
            file.ReadInto(name, values);
        foreach (var (name, values) in trainer.State()) file.ReadInto(name, values);
        var fired = new float[d.Latents];
        file.ReadInto("last_fired_step", fired);
        for (int j = 0; j < fired.Length; j++) trainer.LastFired[j] = (long)fired[j] * trainer.BatchSize;
        trainer.Step = step;
        trainer.SyncThresholds();
        return true;
    }

    private static Tensor Vector(float[] values) => new((float[])values.Clone(), values.Length);
}
