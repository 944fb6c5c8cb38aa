using Interrogate.Formats.Onnx;
using Interrogate.Models.Conv;
using Interrogate.Models.Mlp;
using Interrogate.Nn;
using static Interrogate.Formats.Onnx.OnnxAttribute;

namespace Interrogate.Models.Onnx;

/// <summary>
/// The image classifiers as ONNX graphs: input <c>input</c> float [batch, features] (images flattened
/// row-major, as <see cref="IClassifier.Forward"/> takes them), output <c>logits</c> float [batch, classes],
/// plus the requested hook points. Dropout is left out (inference).
/// </summary>
internal static class ClassifierOnnx
{
    public static IReadOnlyList<string> Write(OnnxGraph graph, IClassifier model, IEnumerable<string> hooks) => model switch
    {
        MlpClassifier mlp => Mlp(graph, mlp, hooks),
        ConvClassifier conv => Conv(graph, conv, hooks),
        _ => throw new InputException($"{model.GetType().Name}: no ONNX export for this kind of model (MLP and conv classifiers and the language-model families export)"),
    };

    private static IReadOnlyList<string> Mlp(OnnxGraph graph, MlpClassifier model, IEnumerable<string> hooks)
    {
        var w = new OnnxModuleWriter(graph, model, hooks);
        var byName = model.HookPoints().ToDictionary(h => h.FullName);
        var h = graph.FloatInput("input", "batch", (long)model.Config.InputSize);
        for (int i = 0; i < model.HiddenLayers.Count; i++)
        {
            h = w.Gemm(model.HiddenLayers[i].Weight, model.HiddenLayers[i].Bias, h);
            if (model.Norms[i] is { } norm) h = w.Norm(norm, h);
            h = w.Hook(byName[$"layers.{i}.hook_pre"], h);
            h = w.Hook(byName[$"layers.{i}.hook_post"], w.Activate(model.Config.Activation, h));
        }
        graph.FloatOutput("logits", w.Gemm(model.Output.Weight, model.Output.Bias, h), ["batch", (long)model.Config.NumClasses]);
        return w.Exported;
    }

    private static IReadOnlyList<string> Conv(OnnxGraph graph, ConvClassifier model, IEnumerable<string> hooks)
    {
        var w = new OnnxModuleWriter(graph, model, hooks);
        var c = model.Config;
        var byName = model.HookPoints().ToDictionary(h => h.FullName);
        var input = graph.FloatInput("input", "batch", (long)c.InputSize);
        var h = w.Node("Reshape", [input, graph.Int64s([-1, c.ImageChannels, c.ImageHeight, c.ImageWidth])]);
        for (int i = 0; i < model.ConvLayers.Count; i++)
        {
            var conv = model.ConvLayers[i];
            string[] inputs = conv.Bias is null ? [h, w.Parameter(conv.Weight)] : [h, w.Parameter(conv.Weight), w.Parameter(conv.Bias)];
            h = w.Hook(byName[$"conv.{i}.hook_pre"], w.Node("Conv", inputs,
                Ints("kernel_shape", conv.KernelSize, conv.KernelSize), Ints("strides", conv.Stride, conv.Stride),
                Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding)));
            h = w.Hook(byName[$"conv.{i}.hook_post"], w.Activate(c.Activation, h));
            if (c.PoolSize > 1) h = w.Node("MaxPool", [h], Ints("kernel_shape", c.PoolSize, c.PoolSize), Ints("strides", c.PoolSize, c.PoolSize));
        }
        h = w.Node("Flatten", [h], Int("axis", 1));
        for (int i = 0; i < model.HiddenLayers.Count; i++)
        {
            h = w.Hook(byName[$"fc.{i}.hook_pre"], w.Gemm(model.HiddenLayers[i].Weight, model.HiddenLayers[i].Bias, h));
            h = w.Hook(byName[$"fc.{i}.hook_post"], w.Activate(c.Activation, h));
        }
        graph.FloatOutput("logits", w.Gemm(model.Output.Weight, model.Output.Bias, h), ["batch", (long)c.NumClasses]);
        return w.Exported;
    }
}
