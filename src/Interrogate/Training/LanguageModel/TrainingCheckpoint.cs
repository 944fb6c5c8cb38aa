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
/// <see cref="WindowsRead"/> records the data position for people reading state.json, which also
/// holds each tensor file's CRC-32C, so a damaged checkpoint is an error naming the file, not a
/// resumed run that silently differs (checkpoints written before checksums are read by their headers only).
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
            ["checksums"] = new JsonObject
            {
                [Model] = IO.Crc32C.OfFile(Path.Combine(fresh, Model)),
                [OptimizerFile] = IO.Crc32C.OfFile(Path.Combine(fresh, OptimizerFile)),
            },
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
        JsonObject node;
        try { node = Formats.JsonFile.LoadObject(statePath); }
        catch (InputException e) { throw new InputException(e.Message + "; delete the checkpoint folder to start over", e); }
        try
        {
            return new TrainingCheckpoint(node["fingerprint"]!.GetValue<string>(), node["step"]!.GetValue<long>(),
                node["optimizer_steps"]!.GetValue<long>(), ulong.Parse(node["seed"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                node["windows_read"]!.GetValue<long>(), node["best_stopping_loss"]?.GetValue<double>() ?? double.PositiveInfinity,
                node["evaluations_without_improvement"]!.GetValue<int>(), node["last_validation_loss"]?.GetValue<double>() ?? double.NaN,
                node["last_stopping_loss"]?.GetValue<double>() ?? double.NaN)
            { Folder = full, Checksums = node["checksums"] is JsonObject sums ? sums.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()) : null };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw InputException.ForFile(statePath, "missing or malformed fields; delete the checkpoint folder to start over", e);
        }
    }

    /// <summary>The folder it was read from.</summary>
    public string Folder { get; private init; } = "";

    /// <summary>CRC-32C (hex) of each tensor file by name, as state.json recorded them; null for checkpoints written before checksums.</summary>
    private IReadOnlyDictionary<string, string>? Checksums { get; init; }

    /// <summary>The path of one of the checkpoint's tensor files, after checking it against its recorded checksum.</summary>
    private string Checked(string file)
    {
        var path = Path.Combine(Folder, file);
        if (Checksums is not null && Checksums.TryGetValue(file, out var expected) && File.Exists(path) && IO.Crc32C.OfFile(path) != expected)
            throw InputException.ForFile(path, "does not match its checksum in state.json (the file was changed or damaged); delete the checkpoint folder to start over");
        return path;
    }

    /// <summary>Copies the saved weights and optimizer state into <paramref name="model"/> and <paramref name="optimizer"/>.</summary>
    public void Restore(Module model, Optimizer optimizer)
    {
        using (var weights = SafetensorsFile.Open(Checked(Model)))
            foreach (var (name, tensor) in model.NamedParameters())
            {
                if (!weights.Contains(name)) throw InputException.ForFile(weights.Path, $"no tensor '{name}'; the checkpoint does not belong to this model");
                weights.ReadInto(name, tensor.Span);
            }
        using var state = SafetensorsFile.Open(Checked(OptimizerFile));
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
