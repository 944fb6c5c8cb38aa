using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Interrogate.Store;

namespace Interrogate.Tests.Server;

/// <summary>The viewer's JSON API on a real server over loopback: what each page is built from, and the errors it gives.</summary>
public sealed class ViewerApiTests(ViewerFixture f) : IClassFixture<ViewerFixture>
{
    private async Task<JsonElement> Get(string path)
    {
        var r = await f.Http.GetAsync(path);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{path}: {(int)r.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, object body)
    {
        var r = await f.Http.PostAsJsonAsync(path, body);
        return (r.StatusCode, JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement);
    }

    [Fact]
    public async Task Overview_BrokenStoreAndJson_NamedAsProblemsWhileTheRestIsServed()
    {
        var o = await Get("/api/overview");
        var problems = o.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("file").GetString() + ": " + p.GetProperty("message").GetString()).ToList();
        Assert.Contains(problems, p => p.Contains(Path.Combine(f.ResultsDir, "broken.json"), StringComparison.Ordinal) && p.Contains("malformed JSON", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("manifest.json", StringComparison.Ordinal) && p.StartsWith(f.BrokenStoreDir, StringComparison.Ordinal));
        var stores = o.GetProperty("stores").EnumerateArray().ToList();
        Assert.Equal(1024, stores[0].GetProperty("tokens").GetInt64());
        Assert.Equal(JsonValueKind.String, stores[1].GetProperty("error").ValueKind);
        Assert.Equal(2, o.GetProperty("studies").GetArrayLength());   // the old single-verdict study and the role-judged one
        Assert.Equal(1, o.GetProperty("comparisons").GetInt32());

        var r = await f.Http.GetAsync($"/api/unit?hook={ViewerFixture.Hook}&neuron=3&store=1");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Contains("manifest.json", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1024, (await Get($"/api/unit?hook={ViewerFixture.Hook}&neuron=3")).GetProperty("store").GetProperty("tokens").GetInt64());
    }

    [Fact]
    public async Task Model_Shipped_DescribesHooksAndParameters()
    {
        var m = await Get("/api/model");
        Assert.Equal(4, m.GetProperty("dimensions").GetProperty("layers").GetInt32());
        Assert.Equal(1_334_016, m.GetProperty("parameter_count").GetInt64());
        Assert.Equal(1_334_016, m.GetProperty("parameters").EnumerateArray().Sum(p => p.GetProperty("parameters").GetInt64()));
        var post = m.GetProperty("hook_points").EnumerateArray().Single(h => h.GetProperty("name").GetString() == "blocks.2.mlp.hook_post");
        Assert.Equal([1, 128, 512], post.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()));
    }

    [Fact]
    public async Task Unit_StoredNeuron_HistogramCountsEveryTokenAndContextsCarryTheStoredValues()
    {
        var u = await Get($"/api/unit?hook={ViewerFixture.Hook}&neuron=17");
        var store = u.GetProperty("store");
        long total = store.GetProperty("histogram").GetProperty("counts").EnumerateArray().Sum(c => c.GetInt64());
        Assert.Equal(1024, total);
        using var s = ActivationStore.Open(f.StoreDir);
        var column = s.ReadNeuron(ViewerFixture.Hook, 17);
        // Statistics and top-k see float32 values; the chunks hold float16 (relative error ≤ 2⁻¹¹).
        Assert.Equal(column.Max(), store.GetProperty("statistics").GetProperty("max").GetDouble(), 2e-3 * column.Max());
        var contexts = store.GetProperty("contexts").EnumerateArray().ToList();
        Assert.Equal(10, contexts.Count);
        foreach (var c in contexts)
        {
            int focus = c.GetProperty("focus").GetInt32();
            long position = c.GetProperty("position").GetInt64();
            Assert.Equal(column[position], c.GetProperty("activations")[focus].GetSingle());
            Assert.Equal(c.GetProperty("ids").GetArrayLength(), c.GetProperty("tokens").GetArrayLength());
        }
        Assert.Equal(column.Max(), contexts[0].GetProperty("value").GetSingle(), 2e-3 * column.Max());
    }

    [Fact]
    public async Task Unit_StudiedNeuron_VerdictExplanationAndTheLayersNull()
    {
        var u = await Get($"/api/unit?hook={ViewerFixture.Hook}&neuron={ViewerFixture.StudiedNeuron}");
        Assert.Equal("L0.N231", u.GetProperty("label").GetString());
        var study = u.GetProperty("studies")[0];
        Assert.Equal("responsible", study.GetProperty("candidate").GetProperty("verdict").GetString());
        Assert.Equal(0.33, study.GetProperty("candidate").GetProperty("explanation_baseline").GetDouble());
        Assert.Equal(0.0021, study.GetProperty("random_baseline").GetProperty("concept_delta").GetProperty("percentile95").GetDouble());
    }

    [Fact]
    public async Task Unit_RoleJudgedNeuron_EffectIntervalAndTheNullOfItsRole()
    {
        var u = await Get($"/api/unit?hook={ViewerFixture.Hook}&neuron={ViewerFixture.RoleNeuron}");
        var study = u.GetProperty("studies")[0];
        Assert.Equal("predictor", study.GetProperty("candidate").GetProperty("role").GetString());
        Assert.Equal(0.050, study.GetProperty("candidate").GetProperty("effect").GetProperty("concept").GetProperty("low").GetDouble());
        Assert.Equal(0.0047, study.GetProperty("random_baseline").GetProperty("concept_delta").GetProperty("percentile95").GetDouble());
    }

    [Fact]
    public async Task Unit_Unknown_404NamingTheUnit()
    {
        var r = await f.Http.GetAsync("/api/unit?hook=blocks.9.mlp.hook_post&neuron=1");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Contains("L9.N1", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync($"/api/unit?hook={ViewerFixture.Hook}&neuron=512")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.Http.GetAsync("/api/unit?neuron=1")).StatusCode);
    }

    [Theory]
    [InlineData("L0.N231", "L0.N231")]
    [InlineData("0.231", "L0.N231")]
    [InlineData("blocks.1.mlp.hook_post[5]", "L1.N5")]
    [InlineData("capitalized after", "L0.N231")]
    public async Task Search_IdOrWords_FindsTheUnit(string query, string label)
    {
        var r = await Get($"/api/search?q={Uri.EscapeDataString(query)}");
        Assert.Equal(label, r.GetProperty("units")[0].GetProperty("label").GetString());
    }

    [Fact]
    public async Task Search_ByVerdict_OnlyThatVerdict()
    {
        var r = await Get("/api/search?q=&verdict=encodes-but-unused");
        Assert.Equal(["L0.N445"], r.GetProperty("units").EnumerateArray().Select(u => u.GetProperty("label").GetString()));
        Assert.Contains("responsible", r.GetProperty("verdicts").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Trace_ShippedModel_PredictsStatesAndPartsSumToTheLogit()
    {
        var (status, r) = await Post("/api/trace", new { text = "The President of the United", neuron = "L0.N231" });
        Assert.Equal(HttpStatusCode.OK, status);
        var t = r.GetProperty("trace");
        Assert.Equal(" States", t.GetProperty("predicted").GetProperty("token").GetString());
        Assert.Equal(t.GetProperty("logit").GetDouble(), t.GetProperty("direct_logit_attribution").EnumerateArray().Sum(c => c.GetProperty("value").GetDouble()), 1e-3);
        var top = r.GetProperty("distribution").GetProperty("top");
        Assert.Equal(20, top.GetArrayLength());
        Assert.Equal(t.GetProperty("predicted").GetProperty("probability").GetDouble(), top[0].GetProperty("probability").GetDouble(), 1e-5);
        var n = t.GetProperty("neuron");
        Assert.Equal(n.GetProperty("pre_activation").GetDouble(), n.GetProperty("sources_sum").GetDouble(), 1e-3);
    }

    [Fact]
    public async Task Trace_LongerThanContext_TracesTheLastContextTokens()
    {
        var text = string.Concat(Enumerable.Repeat("The President of the United States. ", 60));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (status, r) = await Post("/api/trace", new { text });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(128, r.GetProperty("tokens").GetArrayLength());
        Assert.True(r.GetProperty("dropped_tokens").GetInt32() > 0);
        Assert.True(clock.Elapsed.TotalSeconds < 2, $"trace took {clock.Elapsed.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task Trace_OverTheCaps_ClearFourHundreds()
    {
        var (s1, b1) = await Post("/api/trace", new { text = new string('a', 20_000) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, s1);
        Assert.Contains("16,384", b1.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (s2, b2) = await Post("/api/trace", new { text = string.Concat(Enumerable.Repeat("a, ", 1500)) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, s2);
        Assert.Contains("tokens", b2.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (s3, _) = await Post("/api/trace", new { text = new string('a', 100_000) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, s3);
        var (s4, b4) = await Post("/api/trace", new { text = "" });
        Assert.Equal(HttpStatusCode.BadRequest, s4);
        Assert.Contains("text", b4.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (s5, _) = await Post("/api/trace", new { text = "The", neuron = "banana" });
        Assert.Equal(HttpStatusCode.BadRequest, s5);
        var bad = await f.Http.PostAsync("/api/trace", new StringContent("{\"text\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Attention_OneHead_EachQueryRowSumsToOne()
    {
        var (status, r) = await Post("/api/attention", new { text = "The President of the United", layer = 1, head = 2 });
        Assert.Equal(HttpStatusCode.OK, status);
        int t = r.GetProperty("tokens").GetInt32();
        var bytes = Convert.FromBase64String(r.GetProperty("pattern").GetString()!);
        Assert.Equal(t * t, bytes.Length);
        for (int q = 0; q < t; q++)
        {
            Assert.InRange(bytes.Skip(q * t).Take(t).Sum(b => (int)b), 255 - t, 255 + t);   // rounding: at most ½ per entry
            for (int k = q + 1; k < t; k++) Assert.Equal(0, bytes[q * t + k]);               // causal
        }
        var (bad, _) = await Post("/api/attention", new { text = "The", layer = 9, head = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
    }

    [Fact]
    public async Task Experiments_Stored_IntervalsOverSeedsAndCurves()
    {
        var e = (await Get("/api/experiments")).GetProperty("experiments")[0];
        Assert.Equal("tiny", e.GetProperty("name").GetString());
        var relu = e.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("setting").GetString() == "relu");
        var acc = relu.GetProperty("test_accuracy");
        Assert.Equal(0.91, acc.GetProperty("mean").GetDouble(), 1e-9);
        // t(0.975, 2) = 4.303, sd 0.01, n 3: half-width 0.02484
        Assert.Equal(0.91 - 4.302652729749464 * 0.01 / Math.Sqrt(3), acc.GetProperty("low").GetDouble(), 1e-6);
        Assert.Equal(2, relu.GetProperty("curve").GetArrayLength());
    }

    [Fact]
    public async Task Pruning_Comparison_PassedThroughWithModels()
    {
        var p = await Get("/api/pruning");
        var curves = p.GetProperty("comparisons")[0].GetProperty("comparison").GetProperty("curves");
        Assert.Equal(["magnitude", "redundancy"], curves.EnumerateArray().Select(c => c.GetProperty("method").GetString()));
        Assert.Equal(["main"], p.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Assets_ServedFromTheBinary_WithNoExternalReferences()
    {
        foreach (var name in new[] { "/", "/assets/app.js", "/assets/trace.js", "/assets/charts.js", "/assets/app.css" })
        {
            var r = await f.Http.GetAsync(name);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var text = await r.Content.ReadAsStringAsync();
            Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", text);
            Assert.DoesNotContain("@import", text, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/assets/..%2Fapp.js")).StatusCode);
    }
}
