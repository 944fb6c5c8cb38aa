using Interrogate.Kernels;

namespace Interrogate.Tests.Kernels;

public class Im2ColTests
{
    // (C, H, W, kH, kW, padding): output rows shorter than, equal to and longer than one vector of 8,
    // no padding, padding wider than half the kernel, non-square kernels and images.
    public static TheoryData<int, int, int, int, int, int> Geometries => new()
    {
        { 1, 28, 28, 5, 5, 2 },
        { 16, 14, 14, 5, 5, 2 },
        { 3, 7, 5, 3, 3, 1 },
        { 2, 9, 8, 3, 2, 0 },
        { 2, 6, 11, 2, 3, 3 },
        { 1, 4, 3, 1, 1, 0 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Unfold_Stride1_MatchesReferenceExactly(int c, int h, int w, int kh, int kw, int pad)
    {
        var g = new ConvGeometry(c, h, w, kh, kw, 1, pad);
        var image = Random(1, g.ImageSize);
        var expected = new float[g.PatchSize * g.Positions];
        Im2Col.Unfold(image, g, expected, g.Positions, 0);
        var cols = Random(2, expected.Length);   // stale contents must all be overwritten
        Im2ColPadded.Unfold(image, g, Random(3, Im2ColPadded.PaddedSize(g)), cols);
        Assert.Equal(expected, cols);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void FoldAdd_Stride1_MatchesReferenceAndAddsToExistingGradient(int c, int h, int w, int kh, int kw, int pad)
    {
        var g = new ConvGeometry(c, h, w, kh, kw, 1, pad);
        var cols = Random(4, g.PatchSize * g.Positions);
        var start = Random(5, g.ImageSize);
        var expected = start.ToArray();
        Im2Col.FoldAdd(cols, g.Positions, 0, g, expected);
        var image = start.ToArray();
        Im2ColPadded.FoldAdd(cols, g, Random(6, Im2ColPadded.PaddedSize(g)), image);
        for (int i = 0; i < image.Length; i++) Assert.Equal(expected[i], image[i], 1e-5f);
    }

    [Fact]
    public void Unfold_Stride2_IsRefused()
    {
        var g = new ConvGeometry(1, 5, 5, 3, 3, 2, 1);
        var e = Assert.Throws<ArgumentException>(() => Im2ColPadded.Unfold(new float[25], g, new float[49], new float[81]));
        Assert.Contains("stride 1", e.Message);
    }

    private static float[] Random(int seed, int n)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
    }
}
