using Interrogate.Data;
using System.CommandLine;
using Interrogate.Data.Corpora;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Text;

namespace Interrogate.Cli.Commands;

/// <summary>
/// `interrogate sae train|eval`: sparse autoencoders and transcoders on a model's hooks (or on a
/// .npy matrix), in the SAELens file layout.
/// </summary>
internal static class SaeCommand
{
    public static Command Create() => new("sae", "Train and evaluate sparse autoencoders and transcoders (SAELens layout)")
    {
        SaeTrainCommand.Create(), SaeEvalCommand.Create(),
    };

    /// <summary>The model to read hooks from: the folder's weights, or the same architecture re-initialised at random (a control).</summary>
    public static CausalLanguageModel LoadModel(string dir, ulong? randomSeed)
    {
        var lm = ModelOptions.LoadModel(dir);
        if (randomSeed is not ulong seed) return lm;
        if (lm is not Gpt2Model gpt2) throw new InputException($"--random-weights: only GPT-2 models can be re-initialised, {dir} is {lm.ModelType}");
        return new Gpt2Model(gpt2.Config, seed);
    }

    /// <summary>Names the weights (<see cref="Fingerprint.ModelWeights"/>), plus the random seed of a control.</summary>
    public static string ModelIdentity(string dir, ulong? randomSeed) =>
        Fingerprint.ModelWeights(dir) + (randomSeed is ulong s ? $"+random-weights:{s}" : "");

    /// <summary>A corpus split's token file, tokenised (and cached) with the model's tokenizer.</summary>
    public static (TokenFile File, string Identity, TokenizedCorpus Owner) Tokens(string dir, string corpus, CorpusSplit split, string? dataDir)
    {
        var tokenizer = ModelOptions.LoadTokenizer(dir);
        var text = Corpus.Open(corpus, dataDir);
        var tokenized = TokenizedCorpus.Build(text, tokenizer, TokenizerLoader.Fingerprint(dir), dataDir, () => Console.Error.WriteLine("tokenising the corpus…"));
        var file = split switch { CorpusSplit.Train => tokenized.Train, CorpusSplit.Test => tokenized.Test, _ => tokenized.Validation };
        return (file, $"{text.Name}/{split.ToString().ToLowerInvariant()}@{text.Fingerprint[..16]}", tokenized);
    }

    /// <summary>The first n tokens of a token file.</summary>
    public static int[] ReadTokens(TokenFile file, long n)
    {
        var ids = new int[(int)Math.Min(n, file.Count)];
        file.Read(0, ids);
        return ids;
    }
}
