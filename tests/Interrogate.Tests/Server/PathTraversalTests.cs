using System.Net;
using Interrogate.Server.Catalog;

namespace Interrogate.Tests.Server;

/// <summary>Only files inside the given results folders can be read: "..", encodings of it, absolute paths and links out are refused.</summary>
public sealed class PathTraversalTests(ViewerFixture f) : IClassFixture<ViewerFixture>
{
    [Fact]
    public async Task Files_InsideResults_Served()
    {
        var r = await f.Http.GetAsync("/api/files/0/prune/compare.json");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("redundancy", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/files/0/../outside/secret.json")]
    [InlineData("/api/files/0/..%2Foutside%2Fsecret.json")]
    [InlineData("/api/files/0/%2E%2E/outside/secret.json")]
    [InlineData("/api/files/0/%252E%252E%252Foutside%252Fsecret.json")]
    [InlineData("/api/files/0/prune/../../outside/secret.json")]
    [InlineData("/api/files/0/%2Fetc%2Fpasswd")]
    [InlineData("/api/files/0//etc/passwd")]
    [InlineData("/api/files/1/neurons.json")]
    [InlineData("/api/files/-1/neurons.json")]
    [InlineData("/api/files/0/link/secret.json")]
    [InlineData("/api/files/0/secret-link.json")]
    public async Task Files_Escaping_NeverReturnTheSecret(string path)
    {
        var link = Path.Combine(f.ResultsDir, "link");
        if (!Directory.Exists(link)) Directory.CreateSymbolicLink(link, f.Outside);
        var fileLink = Path.Combine(f.ResultsDir, "secret-link.json");
        if (!File.Exists(fileLink)) File.CreateSymbolicLink(fileLink, Path.Combine(f.Outside, "secret.json"));

        using var raw = new HttpClient { BaseAddress = f.Server.Url };
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(f.Server.Url, new Uri(path, UriKind.Relative)));
        var r = await raw.SendAsync(request);
        var body = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret", body.Replace("secret.json", "", StringComparison.Ordinal).Replace("secret-link", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True((int)r.StatusCode is 400 or 404, $"{path}: {(int)r.StatusCode} {body}");
    }

    [Fact]
    public void AllowedFolders_Find_RefusesEscapesAndAcceptsInside()
    {
        var allowed = new AllowedFolders([f.ResultsDir]);
        Assert.NotNull(allowed.Find(0, "neurons.json"));
        Assert.Null(allowed.Find(0, "../outside/secret.json"));
        Assert.Null(allowed.Find(0, Path.Combine(f.Outside, "secret.json")));
        Assert.Null(allowed.Find(0, "neurons.json\0.txt"));
        Assert.Null(allowed.Find(1, "neurons.json"));
        Assert.True(allowed.Contains(Path.Combine(f.ResultsDir, "neurons.json")));
        Assert.False(allowed.Contains(Path.Combine(f.Outside, "secret.json")));
    }
}
