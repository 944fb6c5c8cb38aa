using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>The activation functions a model can be configured with, by their config-file names.</summary>
public static class Activation
{
    public static readonly IReadOnlyList<string> Names = ["relu", "gelu", "gelu_new", "tanh", "sigmoid", "silu"];

    /// <summary>Applies the named activation; names follow Hugging Face ("gelu" = erf form, "gelu_new" = tanh form).</summary>
    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "relu" => x.Relu(),
        "gelu" => x.Gelu(tanhApproximation: false),
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => x.Gelu(tanhApproximation: true),
        "tanh" => x.Tanh(),
        "sigmoid" => x.Sigmoid(),
        "silu" or "swish" => x.Silu(),
        _ => throw new InputException($"unknown activation '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>
    /// True when the named activation can run in place, on a span, with the same arithmetic as
    /// <see cref="Apply"/> (<see cref="ApplyInPlace"/>); silu cannot (it reads x after writing σ(x)).
    /// </summary>
    internal static bool RunsInPlace(string name) => name is "relu" or "gelu" or "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" or "tanh" or "sigmoid";

    /// <summary>x = act(x) for an activation that <see cref="RunsInPlace"/>: fused inference paths, not recorded.</summary>
    internal static void ApplyInPlace(string name, Span<float> x)
    {
        switch (name)
        {
            case "relu": TensorPrimitives.Max(x, 0f, x); break;
            case "gelu": Kernels.Activations.GeluErf(x, x); break;
            case "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast": Kernels.Activations.GeluTanh(x, x); break;
            case "tanh": TensorPrimitives.Tanh(x, x); break;
            case "sigmoid": TensorPrimitives.Sigmoid(x, x); break;
            default: throw new ArgumentException($"activation '{name}' does not run in place", nameof(name));
        }
    }

    /// <summary>Throws an InputException naming the source when the activation is unknown.</summary>
    public static string Validate(string name, string source)
    {
        if (!Names.Contains(name) && name is not ("gelu_pytorch_tanh" or "gelu_fast" or "swish"))
            throw new InputException($"{source}: unknown activation '{name}' (known: {string.Join(", ", Names)})");
        return name;
    }
}
