using Interrogate.Nn;

namespace Interrogate.Tests.Nn;

public sealed class HookNamesTests
{
    [Theory]
    [InlineData("blocks.*.mlp.hook_post", "blocks.3.mlp.hook_post", true)]
    [InlineData("blocks.*.mlp.hook_post", "blocks.12.mlp.hook_post", true)]
    [InlineData("blocks.*.mlp.hook_post", "blocks.3.mlp.hook_pre", false)]
    [InlineData("blocks.*.mlp.hook_post", "blocks.3.x.mlp.hook_post", false)]   // * is one name part, never several
    [InlineData("blocks.*.hook_*", "blocks.0.hook_resid_pre", false)]           // * is a whole part, not a prefix
    [InlineData("blocks.*.*", "blocks.0.hook_resid_pre", true)]
    [InlineData("hook_embed", "hook_embed", true)]
    public void Matches_OneDialect(string pattern, string name, bool expected) => Assert.Equal(expected, HookNames.Matches(pattern, name));

    [Fact]
    public void Build_AndLayerOf_RoundTrip()
    {
        Assert.Equal("blocks.2.mlp.hook_post", HookNames.MlpPost(2));
        Assert.Equal("blocks.11.attn.hook_z", HookNames.Block(11, "attn.hook_z"));
        Assert.Equal(11, HookNames.LayerOf("blocks.11.attn.hook_z"));
        Assert.Equal(-1, HookNames.LayerOf("hook_embed"));
        Assert.Equal(["blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post", "hook_embed"],
            HookNames.Resolve("blocks.*.mlp.hook_post, hook_embed", ["hook_embed", "blocks.0.mlp.hook_post", "blocks.0.mlp.hook_pre", "blocks.1.mlp.hook_post"]).Order().ToArray());
    }

    [Fact]
    public void UnitRef_FormatsAndParsesBothForms()
    {
        Assert.Equal("L3.N10", UnitRef.Mlp(3, 10).ToString());
        Assert.Equal(UnitRef.Mlp(3, 10), UnitRef.TryParse("L3.N10"));
        Assert.Equal("blocks.1.attn.hook_z[7]", new UnitRef("blocks.1.attn.hook_z", 7).ToString());
        Assert.Equal(new UnitRef("blocks.1.attn.hook_z", 7), UnitRef.TryParse("blocks.1.attn.hook_z[7]"));
        Assert.Equal(UnitRef.Mlp(0, 231), UnitRef.TryParse("blocks.0.mlp.hook_post[231]"));
        Assert.Null(UnitRef.TryParse("L3"));
        Assert.Contains("--neuron", Assert.Throws<InputException>(() => UnitRef.Parse("x.y", "--neuron")).Message);
    }
}
