using Interrogate.Features;
using Xunit.Abstractions;

namespace Interrogate.Tests.Features;

public class DictionaryRecoveryTests(ITestOutputHelper output)
{
    private static SparseDictionary Train(SyntheticDictionaryData data, DictionaryActivation activation, int latents, int k,
        DictionaryTrainingOptions options, int batch, int epochs)
    {
        var dict = new SparseDictionary(data.Width, data.Width, latents, activation, k);
        DictionaryInit.Apply(dict, data.X.AsSpan(0, 4096 * data.Width), 4096, options.GeometricMedianInit, options.InitialThreshold, options.Seed);
        int steps = data.Rows / batch * epochs;
        var trainer = new DictionaryTrainer(dict, options, batch, steps);
        for (int s = 0; s < steps; s++)
        {
            var rows = data.X.AsSpan(s * batch % (data.Rows - batch + 1) / batch * batch * data.Width, batch * data.Width);
            trainer.TrainStep(rows, rows);
        }
        return dict;
    }

    [Fact]
    public void TopK_PlantedOvercompleteDictionary_RecoveredWithMeanMaxCosineAbove095()
    {
        // 512 unit directions in 128 dimensions, about 5 active per row, exponential magnitudes.
        var data = new SyntheticDictionaryData(512, 128, 5, 65536, seed: 7);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var dict = Train(data, DictionaryActivation.TopK, 1024, 5, new DictionaryTrainingOptions { LearningRate = 2e-3f, Seed = 1, DeadTokens = 20_000 }, 1024, 6);
        double mmcs = data.MeanMaxCosine(dict.DecoderWeight, dict.Latents);
        output.WriteLine($"MMCS {mmcs:F4} in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(mmcs >= 0.95, $"mean max cosine similarity {mmcs:F4} < 0.95");
    }
}
