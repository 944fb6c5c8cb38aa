using Interrogate.Cli.Output;
using System.CommandLine;
using Interrogate.Data.Corpora;
using Interrogate.Features;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate sae eval`: a dictionary's held-out variance explained, L0, dead and dense latents,
/// loss recovered and feature-density histogram, beside the same for a control dictionary (trained
/// with `sae train --random-weights SEED` on the same architecture with random weights), with the gap.
/// </summary>
internal static class SaeEvalCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "Dictionary folder (cfg.json + sae_weights.safetensors)", Required = true };
        var control = new Option<string?>("--control") { Description = "Control dictionary folder trained with --random-weights (its training.json names the seed)" };
        var model = new Option<string?>("--model") { Description = "Model folder (default: $INTERROGATE_MODEL, else models/sotu-small)" };
        var corpus = new Option<string>("--corpus") { Description = "Corpus whose validation split is held out", DefaultValueFactory = _ => "sotu" };
        var tokens = new Option<int>("--tokens") { Description = "Held-out tokens", DefaultValueFactory = _ => 32_768 };
        var (dataDir, json) = (CommonOptions.DataDir(), CommonOptions.Json());
        var command = new Command("eval", "Evaluate a dictionary on held-out tokens (and a random-weights control)") { sae, control, model, corpus, tokens, dataDir, json };
        command.SetAction(parsed =>
        {
            CommonOptions.RequirePositive(parsed.GetValue(tokens), "--tokens");
            string dir = parsed.GetValue(model) ?? ModelOptions.DefaultModelDirectory();
            var (valid, _, owner) = SaeCommand.Tokens(dir, parsed.GetValue(corpus)!, CorpusSplit.Validation, parsed.GetValue(dataDir));
            using var _ = owner;
            var ids = SaeCommand.ReadTokens(valid, parsed.GetValue(tokens));
            var main = SaeMeasure.OnModel(SaeCommand.LoadModel(dir, null), SaeLensFormat.Load(parsed.GetValue(sae)!), ids);
            SaeMeasurement? controlResult = null;
            if (parsed.GetValue(control) is { } controlDir)
                controlResult = SaeMeasure.OnModel(SaeCommand.LoadModel(dir, ControlSeed(controlDir)), SaeLensFormat.Load(controlDir), ids);
            if (parsed.GetValue(json)) Terminal.WriteJson(new { sae = main, control = controlResult, gap = controlResult is null ? null : SaeGap.Of(main, controlResult) });
            else SaeReport.PrintEval(main, controlResult);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static ulong ControlSeed(string controlDir)
    {
        var path = Path.Combine(controlDir, "training.json");
        if (!File.Exists(path)) throw InputException.ForFile(controlDir, "has no training.json; a control must be trained by `sae train --random-weights SEED`");
        using var doc = Formats.JsonFile.ParseDocument(path);
        if (!doc.RootElement.TryGetProperty("random_weights_seed", out var seed) || seed.ValueKind != System.Text.Json.JsonValueKind.Number)
            throw InputException.ForFile(path, "was not trained with --random-weights, so it is no control");
        return seed.GetUInt64();
    }
}
