using System.Text.Json.Nodes;

namespace Interrogate.Server.Api;

/// <summary>
/// GET /api/model[?id=main]: a model's architecture (its config.json and dimensions), every hook point
/// with its shape for a one-sequence input of the full context, parameter counts per top-level
/// module, and its pruning history: per-layer MLP widths beside the main model's, for every model
/// found among the results.
/// </summary>
internal static class ModelApi
{
    public static object Describe(ViewerState state, string? id)
    {
        var entry = state.Models.Find(id) ?? throw new RequestException(404, id is null ? "no model: start the viewer with --model DIR" : $"model: no model '{id}'");
        var (model, _) = entry.Load();
        var d = model.Dimensions;
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(entry.Directory, "config.json")));
        var parameters = model.NamedParameters().GroupBy(p => Group(p.Name))
            .Select(g => new { module = g.Key, parameters = g.Sum(p => (long)p.Tensor.Size) }).ToList();
        return new
        {
            id = entry.Id,
            name = entry.Name,
            directory = entry.Directory,
            model_type = model.ModelType,
            dimensions = new { layers = model.Blocks.Count, d_model = d.DModel, heads = model.Blocks.Count == 0 ? 0 : model.Blocks[0].Attn.Heads, context = d.ContextLength, vocabulary = d.VocabSize },
            mlp_widths = model.Blocks.Select(b => b.Mlp.Width).ToArray(),
            parameter_count = model.ParameterCount(),
            parameters,
            hook_points = model.DescribeHookPoints(1, d.ContextLength).Select(h => new { name = h.Name, shape = h.Shape }),
            config,
            pruning = Pruning(state, entry),
        };
    }

    /// <summary>"blocks.2.attn.qkv.weight" → "blocks.2"; "embed.weight" → "embed".</summary>
    private static string Group(string name)
    {
        var parts = name.Split('.');
        return parts[0] == "blocks" && parts.Length > 1 ? $"blocks.{parts[1]}" : parts[0];
    }

    /// <summary>Every other model beside this one: widths and parameters, so a pruned model shows what was removed where.</summary>
    private static List<object> Pruning(ViewerState state, Catalog.ModelCatalog.Entry self)
    {
        var (model, _) = self.Load();
        var list = new List<object>();
        foreach (var other in state.Models.Entries.Where(e => e != self))
        {
            try
            {
                var (m, _) = other.Load();
                list.Add(new
                {
                    id = other.Id, name = other.Name, mlp_widths = m.Blocks.Select(b => b.Mlp.Width).ToArray(), parameter_count = m.ParameterCount(),
                    removed_fraction = 1.0 - (double)m.ParameterCount() / model.ParameterCount(),
                });
            }
            catch (InputException e) { list.Add(new { id = other.Id, name = other.Name, error = e.Message }); }
        }
        return list;
    }
}
