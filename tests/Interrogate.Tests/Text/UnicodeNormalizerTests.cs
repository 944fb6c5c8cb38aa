using System.Text;
using Interrogate.Text;

namespace Interrogate.Tests.Text;

/// <summary>The four normal forms through the system's ICU (the build is InvariantGlobalization, where string.Normalize does nothing).</summary>
public class UnicodeNormalizerTests
{
    [Theory]
    [InlineData("cafe\u0301", NormalizationForm.FormC, "caf\u00E9")]
    [InlineData("caf\u00E9", NormalizationForm.FormD, "cafe\u0301")]
    [InlineData("\u1100\u1161\u11A8", NormalizationForm.FormC, "\uAC01")]       // conjoining jamo compose to one Hangul syllable
    [InlineData("\uFB01re", NormalizationForm.FormKC, "fire")]                   // the fi ligature is only compatibility-equivalent
    [InlineData("\uFB01re", NormalizationForm.FormC, "\uFB01re")]
    [InlineData("\u212B", NormalizationForm.FormKD, "A\u030A")]                  // ANGSTROM SIGN
    [InlineData("x\u0323\u0307", NormalizationForm.FormC, "\u1E8B\u0323")]       // canonical reordering before composing: dot below first
    [InlineData("plain ASCII", NormalizationForm.FormKD, "plain ASCII")]
    public void Normalize_KnownText_GivesItsNormalForm(string text, NormalizationForm form, string expected)
    {
        Assert.True(UnicodeNormalizer.Available, "libicuuc could not be loaded");
        Assert.Equal(expected, UnicodeNormalizer.Normalize(text, form));
    }

    [Fact]
    public void Normalize_ResultLongerThanFirstBuffer_GrowsAndCompletes()
    {
        // U+FDFA decomposes (NFKD) into 18 characters: far past text.Length + 16 for 10 of them.
        var text = new string('\uFDFA', 10);
        var result = UnicodeNormalizer.Normalize(text, NormalizationForm.FormKD);
        Assert.Equal(180, result.Length);
        Assert.StartsWith("\u0635\u0644\u0649", result, StringComparison.Ordinal);
    }
}
