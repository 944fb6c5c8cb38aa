using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// Turns a model whose layers were pruned to different MLP widths back into one any Hugging Face
/// loader accepts: every layer padded to the widest with dead units, whose input rows, input biases
/// and output columns are zero, so they add exactly nothing (act(0)·0 or act(0) times a zero column).
/// </summary>
public static class UniformMlpWidth
{
    /// <summary>True when every layer has the same MLP width (the plain config keys describe the model).</summary>
    public static bool IsUniform(this CausalLanguageModel model) => model.Dimensions.MlpWidths.Distinct().Count() == 1;

    /// <summary>
    /// The same model with every MLP as wide as the widest; dead units go after each layer's own.
    /// Parameters of equal shape are copied; a smaller one fills the leading rows/columns of its zeroed twin.
    /// </summary>
    public static CausalLanguageModel PaddedToUniformWidth(this CausalLanguageModel model)
    {
        int width = model.Dimensions.MlpWidths.Max();
        var padded = model.WithMlpWidths([.. Enumerable.Repeat(width, model.Dimensions.Layers)]);
        var targets = padded.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor);
        foreach (var (name, source) in model.NamedParameters())
        {
            var target = targets[name];
            var from = source.ContiguousData().Span;
            var to = target.Span;
            if (source.Shape.AsSpan().SequenceEqual(target.Shape)) { from.CopyTo(to); continue; }
            to.Clear();
            if (source.Rank == 1) { from.CopyTo(to); continue; }
            if (source.Rank != 2) throw new InvalidOperationException($"cannot pad {name} {Shape.Format(source.Shape)} to {Shape.Format(target.Shape)}");
            int rows = source.Shape[0], cols = source.Shape[1], targetCols = target.Shape[1];
            for (int r = 0; r < rows; r++) from.Slice(r * cols, cols).CopyTo(to.Slice(r * targetCols, cols));
        }
        return padded;
    }

    /// <summary>
    /// Saves in the standard layout: padded to one width when the widths differ (unless
    /// <paramref name="perLayerWidths"/> asks for Interrogate's smaller per-layer layout).
    /// </summary>
    public static void SaveStandard(this CausalLanguageModel model, string directory, bool perLayerWidths = false) =>
        (perLayerWidths || model.IsUniform() ? model : model.PaddedToUniformWidth()).Save(directory);
}
