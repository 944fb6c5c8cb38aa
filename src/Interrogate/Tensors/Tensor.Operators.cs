namespace Interrogate.Tensors;

// Arithmetic operators, each a recorded op from Ops (tensor–tensor forms broadcast like NumPy).
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    public static Tensor operator +(Tensor a, float c) => a.Add(c);
    public static Tensor operator +(float c, Tensor a) => a.Add(c);
    public static Tensor operator -(Tensor a, float c) => a.Add(-c);
    public static Tensor operator -(float c, Tensor a) => a.Mul(-1f).Add(c);
    public static Tensor operator *(Tensor a, float c) => a.Mul(c);
    public static Tensor operator *(float c, Tensor a) => a.Mul(c);
    public static Tensor operator /(Tensor a, float c) => a.Mul(1f / c);
    public static Tensor operator /(float c, Tensor a) => Scalar(c).Div(a);
    public static Tensor operator -(Tensor a) => a.Neg();
}
