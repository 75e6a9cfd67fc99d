"""What the demo's viewers say in the room and what the host answers, in each language a demo show may speak."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Script:
    """Greetings, chat lines and questions with the host's answers, in one language."""

    greetings: tuple[str, ...]
    lines: tuple[str, ...]
    questions: tuple[tuple[str, str], ...]  # (the viewer's question, the host's answer)

    def answer_to(self, question: str) -> str | None:
        """The host's answer to one of the script's questions (None for a question it does not hold)."""
        return next((a for q, a in self.questions if q == question.strip()), None)


SCRIPTS = {
    "zh": Script(
        greetings=("来了来了！", "主播晚上好～", "刚下班，赶上直播了", "天水老乡来报到！", "晚上好呀"),
        lines=("这条围巾颜色好温柔", "旗袍的剪裁真好看", "牦牛绒开衫看着就暖和", "刺绣好精致", "等秒杀！",
               "这个价格很实在", "冬天就缺一条这样的围巾", "给我妈妈也看看", "亚麻的夏天穿很舒服",
               "上次买的围巾很好，回购", "好喜欢手工的东西", "点赞点赞", "甘肃的羊毛真的暖", "秒杀快开始了吧"),
        questions=(("围巾有多长？", "围巾长180厘米，可以绕两圈。"),
                   ("旗袍有L码吗？", "旗袍S到XL都有，L码还有货。"),
                   ("开衫可以机洗吗？", "牦牛绒建议冷水手洗，平铺晾干。"),
                   ("刺绣衬衫是纯棉的吗？", "是纯棉的，陇东刺绣，越洗越软。"),
                   ("发货到上海要几天？", "从天水发货，到上海一般三天。"),
                   ("秒杀每人能买几件？", "秒杀每人限购一件，先到先得。")),
    ),
    "en": Script(
        greetings=("Hi everyone!", "Just joined, hello!", "Good evening from here", "Made it in time!"),
        lines=("That scarf looks so cosy", "Love the embroidery on the blouse", "The qipao cut is beautiful",
               "Waiting for the flash sale!", "Great price for yak wool", "Hand-knitted, wow",
               "My mum would love that cardigan", "Linen is perfect for summer", "The colours are lovely",
               "Sending likes!"),
        questions=(("How long is the scarf?", "It is 180 cm, long enough to wrap twice."),
                   ("Does the qipao come in L?", "Yes, S to XL, and L is in stock."),
                   ("Can the cardigan go in the washing machine?", "Hand wash it in cold water and dry it flat."),
                   ("Is the blouse pure cotton?", "Pure cotton, with Longdong embroidery."),
                   ("How many can I buy in the flash sale?", "One each in the flash sale, first come first served.")),
    ),
    "es": Script(
        greetings=("¡Hola a todos!", "¡Ya estoy aquí!", "Buenas noches desde Madrid", "¡Llegué a tiempo!"),
        lines=("Esa bufanda parece muy calentita", "Me encanta el bordado de la blusa", "Qué bonito el corte del qipao",
               "¡Esperando la oferta flash!", "Buen precio para lana de yak", "Tejida a mano, qué maravilla",
               "A mi madre le encantaría esa chaqueta", "El lino es perfecto para el verano", "¡Muchos likes!"),
        questions=(("¿Cuánto mide la bufanda?", "Mide 180 cm: da dos vueltas al cuello."),
                   ("¿El qipao viene en talla L?", "Sí, de la S a la XL, y la L está disponible."),
                   ("¿La chaqueta se puede lavar a máquina?", "Mejor a mano, en agua fría, y secar en plano."),
                   ("¿Cuántas puedo comprar en la oferta flash?", "Una por persona, hasta agotar existencias.")),
    ),
    "fr": Script(
        greetings=("Bonsoir tout le monde !", "Je viens d'arriver, coucou !", "Bonsoir depuis Lyon",
                   "Pile à l'heure !"),
        lines=("Cette écharpe a l'air si douce", "J'adore la broderie du chemisier", "La coupe du qipao est superbe",
               "J'attends la vente flash !", "Bon prix pour de la laine de yak", "Tricoté main, bravo",
               "Ma mère adorerait ce gilet", "Le lin, parfait pour l'été", "Plein de likes !"),
        questions=(("Quelle est la longueur de l'écharpe ?", "180 cm : elle fait deux fois le tour du cou."),
                   ("Le qipao existe-t-il en L ?", "Oui, du S au XL, et le L est en stock."),
                   ("Le gilet passe-t-il en machine ?", "Plutôt à la main, à l'eau froide, séché à plat."),
                   ("Combien puis-je en acheter pendant la vente flash ?",
                    "Un par personne, premier arrivé, premier servi.")),
    ),
}


def script_for(language: str) -> Script:
    """The script in the show's language, English when there is none in it."""
    return SCRIPTS.get(language, SCRIPTS["en"])
