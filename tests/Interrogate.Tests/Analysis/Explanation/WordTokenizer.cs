using System.Text;
using Interrogate.Text;

namespace Interrogate.Tests.Analysis.Explanation;

/// <summary>A fixed list of word tokens, enough for explanation tests: id i is <c>Words[i]</c>.</summary>
internal sealed class WordTokenizer : ITokenizer
{
    public static readonly string[] Words =
    [
        " the", " of", " and", " to", " we", " nation", " people", " will", " is", " a",
        " The", " We", " In", " America", " Congress", " It", ".", ",", "\"", " (", ")", "!", " 1990", " 42", "\n",
        " tax", " war", " peace", " jobs", " our",
    ];

    public static int Id(string word) => Array.IndexOf(Words, word);

    public int VocabSize => Words.Length;
    public int? BosId => null;
    public int? EosId => null;
    public int? PadId => null;
    public int[] Encode(string text) => throw new NotSupportedException();
    public byte[] DecodeBytes(ReadOnlySpan<int> ids) => Encoding.UTF8.GetBytes(Decode(ids));
    public string Decode(ReadOnlySpan<int> ids) => string.Concat(ids.ToArray().Select(i => Words[i]));
    public string TokenText(int id) => Words[id];
    public string? TokenString(int id) => (uint)id < (uint)Words.Length ? Words[id] : null;
    public int? TokenId(string token) => Id(token) is int i and >= 0 ? i : null;

    /// <summary>Uniformly random ids, fixed by the seed.</summary>
    public static int[] RandomText(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(Words.Length))];
    }

    /// <summary>Gaussian noise of the given scale, fixed by the seed (Box–Muller).</summary>
    public static float[] Noise(int count, double scale, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
            (float)(scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
    }
}
