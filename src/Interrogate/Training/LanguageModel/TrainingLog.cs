using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// train_log.jsonl: one JSON object per line, each with a "step". Lines are flushed as written, so a
/// killed run leaves a readable log; on resume, lines past the checkpoint's step are dropped so the
/// log reads exactly as an uninterrupted run's.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    private readonly StreamWriter _writer;

    private TrainingLog(string path, StreamWriter writer)
    {
        Path = path;
        _writer = writer;
    }

    public string Path { get; }

    /// <summary>Opens the log; with <paramref name="keepThroughStep"/>, keeps existing lines up to that step, else starts empty.</summary>
    public static TrainingLog Open(string path, long? keepThroughStep)
    {
        var kept = new List<string>();
        if (keepThroughStep is long last && File.Exists(path))
            foreach (var line in File.ReadLines(path))
                if (line.Length > 0 && JsonNode.Parse(line)?["step"]?.GetValue<long>() <= last) kept.Add(line);
        IO.AtomicFile.WriteAllText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
        var writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        return new TrainingLog(path, writer);
    }

    /// <summary>Appends one line of numbers.</summary>
    public void Write(long step, params (string Key, double Value)[] fields)
    {
        var json = new JsonObject { ["step"] = step };
        foreach (var (key, value) in fields) json[key] = double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));
        _writer.Write(json.ToJsonString());
        _writer.Write('\n');
        _writer.Flush();
    }

    /// <summary>Reads the numeric field <paramref name="key"/> of every line that has it, as (step, value).</summary>
    public static List<(long Step, double Value)> Read(string path, string key)
    {
        var list = new List<(long, double)>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            var node = JsonNode.Parse(line)!;
            if (node[key] is { } v) list.Add((node["step"]!.GetValue<long>(), double.Parse(v.ToJsonString().Trim('"'), CultureInfo.InvariantCulture)));
        }
        return list;
    }

    public void Dispose() => _writer.Dispose();
}
