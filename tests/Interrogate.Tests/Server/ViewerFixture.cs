using System.Text.Json.Nodes;
using Interrogate.Models.Transformer;
using Interrogate.Server;
using Interrogate.Store;
using Interrogate.Tests.Models;
using Interrogate.Training.Experiments;

namespace Interrogate.Tests.Server;

/// <summary>
/// A viewer over the shipped model, a small store recorded from it here (blocks.0 and blocks.1
/// mlp.hook_post on 1,024 fixed-seed random tokens), and a results folder written here: a concept
/// study and a pruning comparison in the CLI's --json shape, an experiment database written by
/// <see cref="ExperimentStore"/>, a malformed JSON file; plus a second store whose manifest is broken.
/// Started on a free loopback port; shared by the tests of a class.
/// </summary>
public sealed class ViewerFixture : IAsyncLifetime
{
    public const string Hook = "blocks.0.mlp.hook_post";
    public const int StudiedNeuron = 231;
    public readonly string Root = Path.Combine(Path.GetTempPath(), "interrogate-serve-" + Guid.NewGuid().ToString("N"));
    public string StoreDir => Path.Combine(Root, "store");
    public string BrokenStoreDir => Path.Combine(Root, "broken-store");
    public string ResultsDir => Path.Combine(Root, "results");
    public string Outside => Path.Combine(Root, "outside");
    public ViewerServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public static string ShippedModel()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "models", "sotu-small", "config.json"))) return Path.Combine(d.FullName, "models", "sotu-small");
        throw new InvalidOperationException("models/sotu-small not found above the test folder");
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ResultsDir);
        Directory.CreateDirectory(Outside);
        var model = TransformerLoader.FromDirectory(ShippedModel());
        var ids = ModelKit.RandomIds(1024, model.Dimensions.VocabSize, seed: 7);
        ActivationRecorder.Record(model, "sotu-small", TokenSource.FromArray(ids, "random-1024"), StoreDir,
            new ActivationStoreOptions { Hooks = [Hook, "blocks.1.mlp.hook_post"], WindowsPerChunk = 2 });
        Directory.CreateDirectory(BrokenStoreDir);
        File.WriteAllText(Path.Combine(BrokenStoreDir, "manifest.json"), "{ not json");
        WriteResults();
        Server = await ViewerServer.StartAsync(new ServeOptions
        {
            ModelDirectory = ShippedModel(), Stores = [StoreDir, BrokenStoreDir], Results = [ResultsDir], Port = 0,
        });
        Http = new HttpClient { BaseAddress = Server.Url };
    }

    private void WriteResults()
    {
        File.WriteAllText(Path.Combine(Outside, "secret.json"), """{"secret": true}""");
        File.WriteAllText(Path.Combine(ResultsDir, "broken.json"), "{ \"candidates\": [");
        var classifier = Directory.CreateDirectory(Path.Combine(ResultsDir, "mnist-mlp")).FullName;   // not a language model: not offered for tracing
        File.WriteAllText(Path.Combine(classifier, "config.json"), """{"model_type": "mlp"}""");
        File.WriteAllBytes(Path.Combine(classifier, "model.safetensors"), [0]);
        var study = new JsonObject
        {
            ["concept"] = "capitalized",
            ["verdict_rule"] = "responsible: |AUC-0.5| and concept Δloss above the random units' 95th percentile",
            ["ablation_method"] = "mean",
            ["candidates"] = new JsonArray(
                Candidate(StudiedNeuron, "responsible", 0.72, 0.0084, 0.0015, "Fires on capitalized words after '.' (+1.20)"),
                Candidate(445, "encodes-but-unused", 0.78, 0.0011, 0.0010, "Fires on ' The' and ' A'")),
            ["random_baseline"] = new JsonArray(new JsonObject
            {
                ["hook"] = Hook, ["layer"] = 0,
                ["concept_delta"] = new JsonObject { ["count"] = 24, ["mean"] = 0.0009, ["ci_low"] = 0.0006, ["ci_high"] = 0.0012, ["percentile5"] = 0.0001, ["percentile95"] = 0.0021 },
            }),
        };
        File.WriteAllText(Path.Combine(ResultsDir, "neurons.json"), study.ToJsonString());
        File.WriteAllText(Path.Combine(ResultsDir, "neurons-roles.json"), RoleStudy().ToJsonString());
        var compare = new JsonObject
        {
            ["baseline"] = new JsonObject { ["loss"] = 3.762, ["accuracy"] = null, ["count"] = 32512 },
            ["unit"] = "neurons",
            ["curves"] = new JsonArray(
                new JsonObject { ["method"] = "magnitude", ["fractions"] = new JsonArray(0.1, 0.3), ["loss"] = new JsonArray(3.89, 4.41), ["accuracy"] = new JsonArray(null, null), ["analysis_seconds"] = 0.1 },
                new JsonObject { ["method"] = "redundancy", ["fractions"] = new JsonArray(0.1, 0.3), ["loss"] = new JsonArray(3.821, 3.927), ["accuracy"] = new JsonArray(null, null), ["analysis_seconds"] = 9.0 }),
        };
        Directory.CreateDirectory(Path.Combine(ResultsDir, "prune"));
        File.WriteAllText(Path.Combine(ResultsDir, "prune", "compare.json"), compare.ToJsonString());
        var spec = ExperimentSpec.Parse("""
            {"name": "tiny", "dataset": "mnist", "seeds": [0, 1, 2], "baseline": "relu",
             "base": {"model": "mlp", "hidden_sizes": [8], "epochs": 2}, "settings": {"relu": {"activation": "relu"}, "tanh": {"activation": "tanh"}}}
            """, "tiny.json");
        using var db = ExperimentStore.Open(Path.Combine(ResultsDir, "tiny.db"), spec);
        foreach (var setting in spec.Settings)
            foreach (var seed in spec.Seeds)
            {
                double acc = setting.Name == "relu" ? 0.90 + 0.01 * seed : 0.85 + 0.01 * seed;
                db.Save(new RunResult(setting.Name, seed, acc, 1 - acc, 1.1 - acc, null, 1.0,
                    [new EpochPoint(1, 1.5, 1.4, acc - 0.05), new EpochPoint(2, 1.2, 1 - acc, acc)]), setting.Config);
            }
    }

    /// <summary>A unit judged in roles, as `neurons --json` writes it: effects with intervals and one null per layer and role.</summary>
    public const int RoleNeuron = 100;

    private static JsonObject RoleStudy()
    {
        static JsonObject Interval(double v, double lo, double hi) => new() { ["value"] = v, ["low"] = lo, ["high"] = hi };
        static JsonObject Null(string role, double p95) => new()
        {
            ["hook"] = Hook, ["layer"] = 0, ["role"] = role,
            ["concept_delta"] = new JsonObject { ["count"] = 250, ["mean"] = 0.001, ["ci_low"] = 0.0008, ["ci_high"] = 0.0012, ["percentile5"] = 0.0, ["percentile95"] = p95 },
        };
        return new JsonObject
        {
            ["concept"] = "capitalized", ["ablation_method"] = "mean", ["correction"] = "holm",
            ["candidates"] = new JsonArray(new JsonObject
            {
                ["unit"] = "L0.N100", ["layer"] = 0, ["neuron"] = RoleNeuron, ["hook"] = Hook, ["role"] = "predictor", ["auc"] = 0.81, ["ranking_auc"] = 0.80,
                ["effect"] = new JsonObject
                {
                    ["concept"] = Interval(0.064, 0.050, 0.078), ["control"] = Interval(0.002, 0.001, 0.003), ["specificity"] = Interval(0.062, 0.048, 0.076),
                },
                ["p_value"] = 0.004, ["holm_p_value"] = 0.04, ["verdict"] = "responsible", ["top_contexts"] = new JsonArray(),
            }),
            ["random_baseline"] = new JsonArray(Null("detector", 0.0031), Null("predictor", 0.0047)),
        };
    }

    private static JsonObject Candidate(int neuron, string verdict, double auc, double concept, double control, string explanation) => new()
    {
        ["layer"] = 0, ["neuron"] = neuron, ["hook"] = Hook, ["auc"] = auc, ["concept_mean"] = 0.5, ["control_mean"] = 0.1,
        ["ablation_effect_concept"] = concept, ["ablation_effect_control"] = control, ["specificity"] = concept / Math.Max(control, 1e-3),
        ["verdict"] = verdict, ["top_contexts"] = new JsonArray(), ["explanation"] = explanation, ["explanation_score"] = 0.41, ["explanation_baseline"] = 0.33,
    };

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
