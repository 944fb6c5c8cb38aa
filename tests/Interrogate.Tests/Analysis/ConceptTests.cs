using Interrogate.Analysis.Concepts;

namespace Interrogate.Tests.Analysis;

public sealed class ConceptTests : IDisposable
{
    private static readonly string[] Tokens = ["Call", " me", " Ish", "mael", ".", " Some", " years", " ago", " \"", "Hi", " there", "\"", " 42", "!"];
    private readonly string dir = Directory.CreateTempSubdirectory("concepts").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("capitalized", new[] { 0, 2, 5, 9 })]
    [InlineData("next-capitalized", new[] { 1, 4, 8 })]
    [InlineData("sentence-start", new[] { 0, 5 })]
    [InlineData("digit", new[] { 12 })]
    [InlineData("punctuation", new[] { 4, 8, 11, 13 })]
    [InlineData("inside-quotes", new[] { 9, 10 })]
    public void BuiltIn_Sentence_LabelsExpectedPositions(string name, int[] expected)
    {
        var labels = Concept.BuiltIn(name).Label(Tokens);
        Assert.Equal(expected, Enumerable.Range(0, Tokens.Length).Where(i => labels[i]));
    }

    [Fact]
    public void BuiltIn_Unknown_ThrowsListingKnown()
    {
        var e = Assert.Throws<InputException>(() => Concept.BuiltIn("uppercase"));
        Assert.Contains("capitalized", e.Message);
    }

    [Fact]
    public void FromRegex_BadPattern_ThrowsNamingFlag()
    {
        Assert.Contains("--concept-regex", Assert.Throws<InputException>(() => Concept.FromRegex("([a-z")).Message);
        Assert.Equal([false, true, false], Concept.FromRegex("^ m").Label(["Call", " me", "x"]));
    }

    [Fact]
    public void LabelsFile_TokenPastDocument_ThrowsNamingFile()
    {
        var path = Path.Combine(dir, "labels.jsonl");
        File.WriteAllLines(path, ["{\"document\": 0, \"token\": 1, \"label\": true}", "{\"document\": 0, \"token\": 30, \"label\": false}"]);
        var concept = new LabelsFile(path);
        var e = Assert.Throws<InputException>(() => concept.Label(Tokens));
        Assert.Contains("labels.jsonl", e.Message);
    }

    [Fact]
    public void LabelsFile_DocumentPastCorpus_ThrowsOnCheck()
    {
        var path = Path.Combine(dir, "labels.jsonl");
        File.WriteAllLines(path, ["{\"document\": 0, \"token\": 1, \"label\": true}", "{\"document\": 3, \"token\": 0, \"label\": true}"]);
        var concept = new LabelsFile(path);
        Assert.Equal([false, true, false], concept.Label(["a", "b", "c"]));
        Assert.Throws<InputException>(concept.CheckAllUsed);
    }

    [Fact]
    public void Rank_PerfectAndReversedAndTiedNeurons_GiveOneZeroHalf()
    {
        bool[] labels = [true, false, true, false, false];
        // Neuron 0 is high exactly on the concept, neuron 1 low on it, neuron 2 constant.
        float[] acts = [5, -1, 0, 0, 1, 0, 6, -2, 0, 1, 3, 0, 2, 4, 0];
        var scores = NeuronRanking.Rank(acts, 3, labels);
        Assert.Equal(1.0, scores[0].Auc, 12);
        Assert.Equal(0.0, scores[1].Auc, 12);
        Assert.Equal(0.5, scores[2].Auc, 12);
        Assert.Equal(5.5 - 1.0, scores[0].MeanDifference, 6);
    }

    [Fact]
    public void Rank_MatchesPairCountingDefinition()
    {
        var rng = new Interrogate.Tensors.TensorRandom(9);
        int n = 60;
        var labels = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.3).ToArray();
        var acts = Enumerable.Range(0, n).Select(i => (float)Math.Round(rng.NextNormal() + (labels[i] ? 0.7 : 0), 1)).ToArray();
        double wins = 0, pairs = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (labels[i] && !labels[j]) { pairs++; wins += acts[i] > acts[j] ? 1 : acts[i] == acts[j] ? 0.5 : 0; }
        Assert.Equal(wins / pairs, NeuronRanking.Rank(acts, 1, labels)[0].Auc, 12);
    }
}
