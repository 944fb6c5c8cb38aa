using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Formats;
using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// Where a run stands after <see cref="Step"/> steps: everything the next step depends on. Model and
/// optimizer tensors are float32 (exact), so resuming reproduces the uninterrupted run bit for bit.
/// The random state is (seed, step), since each step's windows come from a generator seeded by both;
/// <see cref="WindowsRead"/> records the data position for people reading state.json.
/// </summary>
public sealed record TrainingCheckpoint(string Fingerprint, long Step, long OptimizerSteps, ulong Seed, long WindowsRead,
    double BestStoppingLoss, int EvaluationsWithoutImprovement, double LastValidationLoss, double LastStoppingLoss)
{
    private const string Model = "model.safetensors", OptimizerFile = "optimizer.safetensors", State = "state.json";

    /// <summary>Writes <c>folder</c> atomically: a new folder beside it, swapped in by renames (the old one kept until then).</summary>
    public void Save(string folder, Module model, Optimizer optimizer)
    {
        var full = Path.GetFullPath(folder);
        var fresh = full + ".new";
        var old = full + ".old";
        if (Directory.Exists(fresh)) Directory.Delete(fresh, recursive: true);
        Directory.CreateDirectory(fresh);
        SafetensorsWriter.Write(Path.Combine(fresh, Model), model.NamedParameters());
        SafetensorsWriter.Write(Path.Combine(fresh, OptimizerFile), optimizer.State());
        var json = new JsonObject
        {
            ["fingerprint"] = Fingerprint,
            ["step"] = Step,
            ["optimizer_steps"] = OptimizerSteps,
            ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["rng"] = "windows of step s are drawn from TensorRandom(mix(seed, s)); nothing else is random",
            ["windows_read"] = WindowsRead,
            ["best_stopping_loss"] = double.IsFinite(BestStoppingLoss) ? BestStoppingLoss : null,
            ["evaluations_without_improvement"] = EvaluationsWithoutImprovement,
            ["last_validation_loss"] = double.IsFinite(LastValidationLoss) ? LastValidationLoss : null,
            ["last_stopping_loss"] = double.IsFinite(LastStoppingLoss) ? LastStoppingLoss : null,
        };
        IO.AtomicFile.WriteAllText(Path.Combine(fresh, State), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(full)) Directory.Move(full, old);
        Directory.Move(fresh, full);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>The checkpoint in <paramref name="folder"/> (or the previous one, if a swap was cut short), or null when there is none.</summary>
    public static TrainingCheckpoint? TryRead(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!File.Exists(Path.Combine(full, State)) && File.Exists(Path.Combine(full + ".old", State))) full += ".old";
        var statePath = Path.Combine(full, State);
        if (!File.Exists(statePath)) return null;
        var node = JsonNode.Parse(File.ReadAllText(statePath)) as JsonObject
            ?? throw InputException.ForFile(statePath, "not a JSON object; delete the checkpoint folder to start over");
        try
        {
            return new TrainingCheckpoint(node["fingerprint"]!.GetValue<string>(), node["step"]!.GetValue<long>(),
                node["optimizer_steps"]!.GetValue<long>(), ulong.Parse(node["seed"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                node["windows_read"]!.GetValue<long>(), node["best_stopping_loss"]?.GetValue<double>() ?? double.PositiveInfinity,
                node["evaluations_without_improvement"]!.GetValue<int>(), node["last_validation_loss"]?.GetValue<double>() ?? double.NaN,
                node["last_stopping_loss"]?.GetValue<double>() ?? double.NaN)
            { Folder = full };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw InputException.ForFile(statePath, "missing or malformed fields; delete the checkpoint folder to start over", e);
        }
    }

    /// <summary>The folder it was read from.</summary>
    public string Folder { get; private init; } = "";

    /// <summary>Copies the saved weights and optimizer state into <paramref name="model"/> and <paramref name="optimizer"/>.</summary>
    public void Restore(Module model, Optimizer optimizer)
    {
        using (var weights = SafetensorsFile.Open(Path.Combine(Folder, Model)))
            foreach (var (name, tensor) in model.NamedParameters())
            {
                if (!weights.Contains(name)) throw InputException.ForFile(weights.Path, $"no tensor '{name}'; the checkpoint does not belong to this model");
                weights.ReadInto(name, tensor.Span);
            }
        using var state = SafetensorsFile.Open(Path.Combine(Folder, OptimizerFile));
        var tensors = state.Names.ToDictionary(n => n, state.ReadTensor);
        optimizer.LoadState(tensors, OptimizerSteps);
    }

    /// <summary>Hex SHA-256 of a run's identity (settings, model shape, data), compared on resume.</summary>
    public static string FingerprintOf(LanguageModelTrainingOptions options, Module model, string data)
    {
        var shapes = string.Join(";", model.NamedParameters().Select(p => $"{p.Name}:{Shape.Format(p.Tensor.Shape)}"));
        return Data.Fingerprint.Of($"{JsonSerializer.Serialize(options with { StopAfter = null })}|{shapes}|{data}");
    }
}
