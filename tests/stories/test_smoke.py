from tests.stories.conftest import submit_url


def test_index_and_form_render(client, stories_index, make_story, supporter):
    story = make_story()
    assert client.get(stories_index.url).status_code == 200
    assert client.get(story.url).status_code == 200
    client.force_login(supporter)
    response = client.get(submit_url(stories_index))
    assert response.status_code == 200, response.content
