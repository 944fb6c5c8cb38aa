using System.Text.Json;

namespace Interrogate.Tests.Cli;

public sealed class AttributeCommandTests(TinyPatchFolder folder) : IClassFixture<TinyPatchFolder>
{
    private const string Text = "The House will vote";

    private JsonElement Attribute(params string[] extra)
    {
        var r = CliRunner.Run(["attribute", "--model", folder.Dir, "--text", Text, "--json", .. extra]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public void Attribute_IntegratedGradients_SumMatchesTheChangeFromTheZeroBaseline()
    {
        var root = Attribute("--method", "ig", "--steps", "64", "--target", " on");
        var hook = root.GetProperty("hooks")[0];
        double fx = root.GetProperty("target_log_prob").GetDouble(), fb = hook.GetProperty("baseline").GetDouble();
        double sum = hook.GetProperty("sum").GetDouble(), error = hook.GetProperty("completeness_error").GetDouble();
        Assert.Equal(sum - (fx - fb), error, 6);
        Assert.True(Math.Abs(error) < 0.01 * Math.Max(1, Math.Abs(fx - fb)), $"completeness error {error} for f(x) − f(0) = {fx - fb}");
        Assert.Equal(64, hook.GetProperty("steps").GetInt32());
    }

    [Fact]
    public void Attribute_GradientTimesActivation_TopSortedByMagnitudeAndTargetMatchesPatch()
    {
        var root = Attribute("--top", "6", "--target", " on");
        var scores = root.GetProperty("top").EnumerateArray().Select(s => Math.Abs(s.GetProperty("score").GetDouble())).ToList();
        Assert.Equal(6, scores.Count);
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.True(root.GetProperty("hooks")[0].GetProperty("completeness_error").ValueKind == JsonValueKind.Null);
        var patch = CliRunner.Run("patch", "--model", folder.Dir, "--clean", Text, "--corrupted", "The Senate will vote", "--target", " on", "--neuron", "0.0", "--json");
        Assert.True(patch.ExitCode == 0, patch.Stderr);
        Assert.Equal(JsonDocument.Parse(patch.Stdout).RootElement.GetProperty("clean_score").GetDouble(), root.GetProperty("target_log_prob").GetDouble(), 4);
    }

    [Fact]
    public void Attribute_NoTarget_UsesTheMostLikelyToken()
    {
        double top = Attribute().GetProperty("target_log_prob").GetDouble();
        double other = Attribute("--target", " on").GetProperty("target_log_prob").GetDouble();
        Assert.True(top >= other, $"default target log p {top} < log p( on) {other}");
    }

    [Theory]
    [InlineData("--method", "shap", "--method")]
    [InlineData("--position", "9", "--position")]
    [InlineData("--target", " xqzvwplugh", "--target")]
    [InlineData("--hook", "blocks.*.nothing_here", "--hook")]
    [InlineData("--steps", "0", "--steps")]
    public void Attribute_BadInput_OneLineExitTwo(string flag, string value, string mentions) =>
        CliRunner.AssertBadInput(CliRunner.Run("attribute", "--model", folder.Dir, "--text", Text, flag, value), mentions);
}
