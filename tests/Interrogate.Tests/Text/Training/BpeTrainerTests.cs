using Interrogate.Text;
using Interrogate.Text.Training;

namespace Interrogate.Tests.Text.Training;

public class BpeTrainerTests
{
    private const string Sample = "The cat sat on the mat. The cat's hat is flat; that cat sat flat!\n"
        + "Über naïve café — 東京 🎉 12345 the THE tHe\t  spaces   end ";

    [Fact]
    public void Train_RepeatedPair_MergesMostFrequentFirstThenStops()
    {
        var tokenizer = BpeTrainer.Train(["ababab"], vocabSize: 300);
        Assert.Equal([("a", "b"), ("ab", "ab")], tokenizer.Model.Merges());
        Assert.Equal(256 + 2 + 1, tokenizer.VocabSize); // no pair occurs twice after two merges
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.EosId);
    }

    [Fact]
    public void Train_ReachesRequestedVocabSize_WithEndOfTextLast()
    {
        var texts = Enumerable.Range(0, 30).Select(i => Sample + $" line {i} of the sample").ToList();
        var tokenizer = BpeTrainer.Train(texts, vocabSize: 320);
        Assert.Equal(320, tokenizer.VocabSize);
        Assert.Equal(319, tokenizer.TokenId("<|endoftext|>"));
        Assert.True(tokenizer.Encode(Sample).Length < System.Text.Encoding.UTF8.GetByteCount(Sample));
    }

    [Fact]
    public void Written_LoadedByTokenizerLoader_EncodesTheSameAndRoundTripsExactly()
    {
        var texts = Enumerable.Range(0, 20).Select(i => Sample + i).ToList();
        var trained = BpeTrainer.Train(texts, vocabSize: 350);
        var dir = Directory.CreateTempSubdirectory("interrogate-bpe-").FullName;
        try
        {
            TokenizerJson.Write(trained, Path.Combine(dir, "tokenizer.json"));
            var loaded = TokenizerLoader.FromDirectory(dir);
            const string probe = "The flat cat — unseen words: zebra, 日本, 🎉🎉, and\r\n<|endoftext|> after.";
            Assert.Equal(trained.Encode(probe), loaded.Encode(probe));
            Assert.Equal(probe, loaded.Decode(loaded.Encode(probe)));
            Assert.Equal(probe, System.Text.Encoding.UTF8.GetString(loaded.DecodeBytes(loaded.Encode(probe))));
            Assert.Contains(trained.EosId!.Value, loaded.Encode(probe));
            Assert.Equal(trained.EosId, loaded.EosId);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Train_VocabTooSmall_ThrowsNamingFlag() =>
        Assert.Contains("--vocab", Assert.Throws<InputException>(() => BpeTrainer.Train(["x"], 200)).Message);
}
