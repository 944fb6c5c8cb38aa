using Interrogate.Features;
using Interrogate.Models.Transformer;

namespace Interrogate.Cli.Commands;

/// <summary>Measures a dictionary on held-out tokens of its model: reconstruction, sparsity, and the loss recovered when spliced in.</summary>
internal static class SaeMeasure
{
    public static SaeMeasurement OnModel(CausalLanguageModel lm, SparseDictionary dict, int[] tokens)
    {
        var shapes = lm.DescribeHookPoints(1, 1).ToDictionary(h => h.Name, h => h.Shape[^1]);
        foreach (var (hook, width) in new[] { (dict.HookIn, dict.InputWidth), (dict.HookOut, dict.OutputWidth) })
        {
            if (!shapes.TryGetValue(hook, out int w)) throw new InputException($"{hook}: the dictionary's hook (hook_name in its cfg.json) is not a hook point of this model (see `interrogate hooks`)");
            if (w != width) throw new InputException($"{hook} has width {w} in this model, the dictionary expects {width}");
        }
        var rows = HookRows.Collect(lm, tokens, [dict.HookIn, dict.HookOut]);
        var inputs = ActivationRows.FromArray(rows[dict.HookIn], dict.InputWidth);
        var targets = dict.IsTranscoder ? ActivationRows.FromArray(rows[dict.HookOut], dict.OutputWidth) : inputs;
        var quality = DictionaryEvaluation.Measure(dict, inputs, targets);
        var mean = DictionaryEvaluation.MeanRow(targets);
        var losses = SpliceLosses.Measure(lm, dict, tokens[..(int)(inputs.Count)], mean);
        return SaeMeasurement.From(quality, losses, dict.Latents);
    }
}
