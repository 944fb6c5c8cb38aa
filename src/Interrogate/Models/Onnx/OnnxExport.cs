using Interrogate.Formats.Onnx;
using Interrogate.Models.Transformer;
using Interrogate.Nn;

namespace Interrogate.Models.Onnx;

/// <summary>What <see cref="OnnxExport"/> wrote: the hook outputs besides <c>logits</c>, the file size and the opset.</summary>
public sealed record OnnxExportResult(string Kind, IReadOnlyList<string> Hooks, long Bytes, int Opset);

/// <summary>
/// Exports a model folder (any language-model family, or an MLP/conv classifier) or an in-memory model
/// as an ONNX file that ONNX Runtime runs with the same logits; hook points matching a pattern
/// (<see cref="HookNames"/> globs, comma-separated) become extra outputs named as our hooks.
/// </summary>
public static class OnnxExport
{
    /// <summary>Loads the folder by its config.json's model_type and writes the ONNX file atomically.</summary>
    public static OnnxExportResult FromDirectory(string directory, string outPath, string? hookPattern = null)
    {
        if (!Directory.Exists(directory)) throw new InputException($"{directory}: model folder not found");
        var (_, type) = ModelFiles.ReadAny(Path.Combine(directory, ModelFiles.ConfigFile));
        if (type is not null && ClassifierStore.ModelTypes.Contains(type))
            return Write(ClassifierStore.Load(directory), outPath, hookPattern);
        return Write(TransformerLoader.FromDirectory(directory), outPath, hookPattern);
    }

    /// <summary>A language model or a classifier (<see cref="IClassifier"/>) to <paramref name="outPath"/>.</summary>
    public static OnnxExportResult Write(object model, string outPath, string? hookPattern = null)
    {
        var graph = Build(model, hookPattern, out var kind, out var hooks);
        graph.Save(outPath, ProducerVersion);
        return new OnnxExportResult(kind, hooks, new FileInfo(outPath).Length, OnnxGraph.Opset);
    }

    /// <summary>The serialised ONNX model, for running it without a file.</summary>
    public static byte[] ToBytes(object model, string? hookPattern = null) =>
        Build(model, hookPattern, out _, out _).ToBytes(ProducerVersion);

    private static string ProducerVersion => typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0";

    private static OnnxGraph Build(object model, string? hookPattern, out string kind, out IReadOnlyList<string> hooks)
    {
        var root = model switch
        {
            CausalLanguageModel lm => (Module)lm,
            IClassifier classifier => classifier.Module,
            _ => throw new ArgumentException($"no ONNX export for {model.GetType().Name}"),
        };
        var wanted = Wanted(root, hookPattern);
        if (model is CausalLanguageModel language)
        {
            kind = language.ModelType;
            var graph = new OnnxGraph(kind);
            hooks = TransformerOnnx.Write(graph, language, wanted);
            return graph;
        }
        kind = root.GetType().Name;
        var classifierGraph = new OnnxGraph(kind);
        hooks = ClassifierOnnx.Write(classifierGraph, (IClassifier)model, wanted);
        return classifierGraph;
    }

    private static IReadOnlyList<string> Wanted(Module root, string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern)) return [];
        var names = root.HookPoints().Select(h => h.FullName).ToList();
        var wanted = HookNames.Resolve(pattern, names);
        if (wanted.Count == 0)
            throw new InputException($"--hooks '{pattern}': matches no hook point of this model (e.g. {string.Join(", ", names.Take(3))}; `interrogate hooks` lists them)");
        return wanted;
    }
}
