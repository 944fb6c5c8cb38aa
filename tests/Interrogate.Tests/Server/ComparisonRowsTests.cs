using System.Text.Json.Nodes;
using Interrogate.Server.Catalog;

namespace Interrogate.Tests.Server;

public sealed class ComparisonRowsTests
{
    private static JsonObject Row(string method, bool refit, double fraction, double loss, double? minR2 = null) => new()
    {
        ["method"] = method, ["min_r2"] = minR2, ["refit"] = refit, ["fraction"] = fraction, ["removed_fraction"] = fraction, ["loss"] = loss,
    };

    [Fact]
    public void ToCurves_PruneCompareRows_OneCurvePerMethodAndCompensationInFractionOrder()
    {
        var json = new JsonObject
        {
            ["baseline"] = new JsonObject { ["loss"] = 3.762 },
            ["rows"] = new JsonArray(
                Row("magnitude", false, 0.3, 4.410), Row("magnitude", false, 0.1, 3.890),
                Row("magnitude", true, 0.1, 3.798), Row("magnitude", true, 0.3, 3.940),
                Row("redundancy", true, 0.1, 3.762, 0.99)),
        };

        var curves = ComparisonRows.ToCurves(json)!["curves"]!.AsArray().Select(c => c!.AsObject()).ToList();

        Assert.Equal(["magnitude, means into bias", "magnitude, least-squares refit", "redundancy (R² ≥ 0.99), least-squares refit"],
            curves.Select(c => (string)c["method"]!));
        Assert.Equal([0.1, 0.3], curves[0]["fractions"]!.AsArray().Select(v => (double)v!));
        Assert.Equal([3.890, 4.410], curves[0]["loss"]!.AsArray().Select(v => (double)v!));
        Assert.Equal([3.798, 3.940], curves[1]["loss"]!.AsArray().Select(v => (double)v!));
        Assert.Equal(3.762, (double)ComparisonRows.ToCurves(json)!["baseline"]!["loss"]!);
    }

    [Fact]
    public void ToCurves_ObjectWithoutRows_Null()
    {
        Assert.Null(ComparisonRows.ToCurves(new JsonObject { ["rows"] = new JsonArray(new JsonObject { ["x"] = 1 }) }));
        Assert.Null(ComparisonRows.ToCurves(new JsonObject { ["candidates"] = new JsonArray() }));
    }
}
