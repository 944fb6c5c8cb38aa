using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Store;
using Interrogate.Tests.Features;
using Interrogate.Text;

namespace Interrogate.Tests.Cli;

/// <summary>A store recorded with --units names its dictionary; reading it with another dictionary is refused.</summary>
public sealed class FeatureStoreProvenanceTests(TinyNeuronsFolder folder) : IClassFixture<TinyNeuronsFolder>
{
    private const string Hook = "blocks.0.hook_resid_post";

    /// <summary>A 24-latent dictionary on <see cref="Hook"/> saved under a fresh folder; seeds give different weights of the same shape.</summary>
    private string SaveDictionary(string parent, string name, ulong seed, int latents = 24)
    {
        var model = TransformerLoader.FromDirectory(folder.Model);
        var tokenizer = TokenizerLoader.FromDirectory(folder.Model);
        var ids = tokenizer.Encode(File.ReadAllText(Path.Combine(folder.Corpus, "doc0.txt")));
        var windows = Enumerable.Range(0, 8).Select(w => ids[(w * 16)..(w * 16 + 16)]).ToArray();
        var dir = Path.Combine(parent, name);
        SaeLensFormat.Save(FeatureKit.Dictionary(model, windows, Hook, Hook, latents, k: 6, seed: seed), dir);
        return dir;
    }

    private string Record(string dictionary, string store) =>
        CliRunner.Run("activations", "record", "--model", folder.Model, "--corpus", Path.Combine(folder.Corpus, "doc1.txt"), "--split", "train",
            "--tokens", "200", "--units", $"sae:{dictionary}", "--out", store, "--data-dir", folder.Cache, "--json") is var r && r.ExitCode == 0
            ? r.Stdout : throw new Xunit.Sdk.XunitException(r.Stderr);

    [Fact]
    public void Record_Units_ManifestNamesTheDictionaryWithItsWeightsHash()
    {
        var parent = Directory.CreateTempSubdirectory("provenance").FullName;
        var a = SaveDictionary(parent, "a", seed: 5);
        var store = Path.Combine(parent, "store");
        Record(a, store);
        var entry = Assert.Single(ActivationManifest.Load(store).Dictionaries!);
        using (var file = File.OpenRead(Path.Combine(a, SaeLensFormat.WeightsFile)))
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), entry.WeightsSha256);
        Assert.Equal((FeatureHook.NameOf(Hook), Path.GetFullPath(a), Hook, Hook, 24, "topk"),
            (entry.Hook, entry.Path, entry.HookIn, entry.HookOut, entry.Latents, entry.Architecture));
        var top = CliRunner.Run("activations", "top", "--store", store, "--units", $"sae:{a}", "--neuron", "0", "--json");
        Assert.True(top.ExitCode == 0, top.Stderr);
    }

    [Fact]
    public void TopExplain_UnitsOtherDictionarySameWidth_RefusedWithOneLine()
    {
        var parent = Directory.CreateTempSubdirectory("provenance").FullName;
        var (a, b) = (SaveDictionary(parent, "a", seed: 5), SaveDictionary(parent, "b", seed: 6));
        var store = Path.Combine(parent, "store");
        Record(a, store);
        CliRunner.AssertBadInput(CliRunner.Run("activations", "top", "--store", store, "--units", $"sae:{b}", "--neuron", "0"), "was recorded with the dictionary at");
        CliRunner.AssertBadInput(CliRunner.Run("activations", "explain", "--store", store, "--units", $"sae:{b}", "--neuron", "0"), "--units");
        // Resuming the recording with the other dictionary is refused too: the dictionary is part of the store's identity.
        var again = CliRunner.Run("activations", "record", "--model", folder.Model, "--corpus", Path.Combine(folder.Corpus, "doc1.txt"), "--split", "train",
            "--tokens", "200", "--units", $"sae:{b}", "--out", store, "--data-dir", folder.Cache);
        CliRunner.AssertBadInput(again, "dictionaries");
    }

    [Fact]
    public void Top_StoreWithoutDictionaryField_StillReadsAndChecksWidth()
    {
        var parent = Directory.CreateTempSubdirectory("provenance").FullName;
        var (a, b, wide) = (SaveDictionary(parent, "a", seed: 5), SaveDictionary(parent, "b", seed: 6), SaveDictionary(parent, "wide", seed: 5, latents: 32));
        var store = Path.Combine(parent, "store");
        Record(a, store);
        // A store written before stores named their dictionaries.
        var path = ActivationManifest.PathIn(store);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(json.Remove("Dictionaries"));
        File.WriteAllText(path, json.ToJsonString());
        Assert.Null(ActivationManifest.Load(store).Dictionaries);
        foreach (var dictionary in new[] { a, b })
        {
            var top = CliRunner.Run("activations", "top", "--store", store, "--units", $"sae:{dictionary}", "--neuron", "0", "--json");
            Assert.True(top.ExitCode == 0, top.Stderr);
            Assert.Equal(FeatureHook.NameOf(Hook), JsonDocument.Parse(top.Stdout).RootElement.GetProperty("hook").GetString());
        }
        CliRunner.AssertBadInput(CliRunner.Run("activations", "top", "--store", store, "--units", $"sae:{wide}", "--neuron", "0"), "has 24 features, this dictionary 32");
    }

    [Fact]
    public void Neurons_UnitsWithStore_StoreNamesTheDictionaryAndAnotherIsRefused()
    {
        var parent = Directory.CreateTempSubdirectory("provenance").FullName;
        var (a, b) = (SaveDictionary(parent, "a", seed: 5), SaveDictionary(parent, "b", seed: 6));
        var store = Path.Combine(parent, "study-store");
        string[] Study(string dictionary) => ["neurons", "--model", folder.Model, "--corpus", folder.Corpus, "--data-dir", folder.Cache, "--tokens", "400",
            "--eval-windows", "2", "--random", "4", "--random-sets", "2", "--top", "1", "--no-explain", "--units", $"sae:{dictionary}", "--store", store, "--json"];
        var first = CliRunner.Run(Study(a));
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(Path.GetFullPath(a), Assert.Single(ActivationManifest.Load(store).Dictionaries!).Path);
        // The same store with another dictionary of the same width: its features would otherwise be read as these.
        CliRunner.AssertBadInput(CliRunner.Run(Study(b)), "dictionaries");
    }
}
